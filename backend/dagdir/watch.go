package dagdir

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long the folder must be quiet before it is re-read: editors
// save in several steps (write a temp file, rename it over the old one).
const settle = 150 * time.Millisecond

// Watch re-reads the folder whenever files in it change, and calls
// onChange after each re-read that changed something. It returns when ctx
// ends.
func (d *Dir) Watch(ctx context.Context, logger *slog.Logger, onChange func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch dag folder: %w", err)
	}
	defer func() { _ = w.Close() }()
	if err := w.Add(d.path); err != nil {
		return fmt.Errorf("watch dag folder %s: %w", d.path, err)
	}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			logger.Debug("dag folder changed", "file", ev.Name, "op", ev.Op.String())
			timer = time.After(settle)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			logger.Warn("watch dag folder", "err", err)
		case <-timer:
			timer = nil
			changed, err := d.Load()
			if err != nil {
				logger.Error("reload dag folder", "err", err)
				continue
			}
			if changed {
				onChange()
			}
		}
	}
}
