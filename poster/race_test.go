//go:build race

package poster

const raceEnabled = true
