package poster

import "runtime/debug"

// drawingRevision is raised by hand whenever a change makes the same
// layout and data draw different pixels, so ETags and cached posters of
// the old drawing stop matching.
const drawingRevision = "2"

// engineVersion names how this build draws: the hand-kept revision, plus
// the module version or VCS revision when the build carries them.
func engineVersion() string {
	v := "r" + drawingRevision
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v += "+" + bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v += "+" + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v += "+dirty"
			}
		}
	}
	return v
}
