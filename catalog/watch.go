package catalog

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watch calls reload after changes under dir settle for debounce, until
// ctx ends, and started once the folder is watched. Editors save by
// writing, renaming and chmodding in quick succession; new folders (or ones
// put back by a rename) get watched too.
func watch(ctx context.Context, dir string, debounce time.Duration, log *slog.Logger, started, reload func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("catalog: watch: %w", err)
	}
	defer w.Close()
	addTree := func(root string) {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				if err := w.Add(path); err != nil {
					log.Warn("cannot watch folder", "dir", path, "err", err)
				}
			}
			return nil
		})
	}
	addTree(dir)
	started()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					addTree(ev.Name)
				}
			}
			if timer == nil {
				timer = time.AfterFunc(debounce, func() {
					select {
					case fire <- struct{}{}:
					default:
					}
				})
			} else {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("watch error", "err", err)
		case <-fire:
			reload()
		}
	}
}
