//go:build windows

package dagdir

import "os"

// Windows has no named pipes in the file system that an open would wait on.
const openFlags = os.O_RDONLY
