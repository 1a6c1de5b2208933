package pem

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCleanInterval is the clean interval of a new FileCache: two
// minutes, the default of Erlang's ssl_pem_cache_clean (120000 ms).
const DefaultCleanInterval = 2 * time.Minute

// MaxFileSize is the largest file a FileCache reads (64 MiB): large CRLs
// fit, a path pointing at something endless does not hold the reader.
const MaxFileSize = 64 << 20

// FileSystem is what a FileCache reads files through; the default is the
// operating system's. Tests and programs that keep their PEM files
// elsewhere (embedded, in memory) give their own with WithFileSystem.
type FileSystem interface {
	Stat(name string) (fs.FileInfo, error)
	Open(name string) (fs.File, error)
}

type osFS struct{}

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (osFS) Open(name string) (fs.File, error)     { return os.Open(name) }

// CacheOption configures a FileCache made by NewFileCache.
type CacheOption func(*FileCache)

// WithFileSystem makes the cache read files through fsys instead of the
// operating system.
func WithFileSystem(fsys FileSystem) CacheOption {
	return func(c *FileCache) { c.fsys = fsys }
}

// WithClock makes the cache take the time from now when it records a use
// and when it decides what to drop; the timer that runs the cleaner stays
// on real time. Tests use it with Clean.
func WithClock(now func() time.Time) CacheOption {
	return func(c *FileCache) { c.now = now }
}

// WithCleanInterval sets the clean interval (see SetCleanInterval).
func WithCleanInterval(d time.Duration) CacheOption {
	return func(c *FileCache) { c.interval = d }
}

// FileCache holds the decoded entries of PEM files, as Erlang's
// ssl_pem_cache: each file is read and decoded once, and later Gets are
// served from memory.
//
// On every Get the file is looked at with one stat call (cheap next to a
// TLS handshake) and read again when its size or modification time has
// changed, so a renewed certificate or key is picked up by the next
// connection without waiting for the cleaner. A change that keeps both the
// size and the modification time (possible on file systems with coarse
// timestamps) goes unnoticed until the entry is dropped or the cache
// cleared.
//
// Every clean interval a cleaner drops the files that have not been asked
// for during the last interval, so an unused file leaves memory between
// one and two intervals after its last use. (Erlang's cache is checked on
// the same timer.) The cleaner is a goroutine that runs only while the
// cache holds files; Close stops it.
//
// A FileCache is safe for concurrent use. The entries it returns are
// shared: callers must not modify their Bytes or Headers.
type FileCache struct {
	fsys FileSystem
	now  func() time.Time

	mu       sync.Mutex
	files    map[string]*cachedFile
	interval time.Duration
	run      *cleanerRun // the running cleaner, nil when none
}

type cachedFile struct {
	mu       sync.Mutex // held while the file is checked and read
	loaded   bool
	size     int64
	modTime  time.Time
	entries  []Entry
	lastUsed atomic.Int64 // UnixNano of the last Get
}

type cleanerRun struct {
	stop chan struct{} // closed to stop the cleaner
	done chan struct{} // closed by the cleaner when it has stopped
}

// Default is the cache the library reads certfile, keyfile, cacertfile
// and dhfile through. ssl.ClearPEMCache empties it, and
// SetCleanInterval (the PEMCacheClean application setting) sets its
// clean interval.
var Default = NewFileCache()

// SetCleanInterval sets the clean interval of Default, as Erlang's
// ssl_pem_cache_clean application setting.
func SetCleanInterval(d time.Duration) { Default.SetCleanInterval(d) }

// NewFileCache returns an empty cache reading from the operating system's
// files, cleaned every DefaultCleanInterval, unless options say otherwise.
// It starts no goroutine until a file is cached.
func NewFileCache(opts ...CacheOption) *FileCache {
	c := &FileCache{
		fsys:     osFS{},
		now:      time.Now,
		files:    make(map[string]*cachedFile),
		interval: DefaultCleanInterval,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Get returns the entries of the PEM file at path (see Decode), from
// memory when the file is cached and unchanged, otherwise reading and
// decoding it. The path is the cache key as given: the same file under two
// names is cached twice.
//
// Errors are not cached: a file that is missing or does not decode is
// looked at again on the next Get, and a file that has gone is dropped.
// Files above MaxFileSize and anything but regular files are refused.
func (c *FileCache) Get(path string) ([]Entry, error) {
	st, err := c.fsys.Stat(path)
	if err != nil {
		c.forget(path, nil)
		return nil, err
	}
	if !st.Mode().IsRegular() {
		c.forget(path, nil)
		return nil, fmt.Errorf("pem: %s is not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		c.forget(path, nil)
		return nil, fmt.Errorf("pem: %s is larger than %d bytes", path, MaxFileSize)
	}

	c.mu.Lock()
	f := c.files[path]
	if f == nil {
		f = &cachedFile{}
		f.lastUsed.Store(c.now().UnixNano())
		c.files[path] = f
	}
	c.startCleanerLocked()
	c.mu.Unlock()

	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.loaded || f.size != st.Size() || !f.modTime.Equal(st.ModTime()) {
		// The stamp is the one taken before reading: if the file changes
		// while it is read, the next Get sees a new stamp and reads again.
		entries, err := c.read(path)
		if err != nil {
			f.loaded, f.entries = false, nil
			c.forget(path, f)
			return nil, err
		}
		f.loaded, f.entries, f.size, f.modTime = true, entries, st.Size(), st.ModTime()
	}
	f.lastUsed.Store(c.now().UnixNano())
	return append([]Entry(nil), f.entries...), nil
}

// read reads and decodes a file.
func (c *FileCache) read(path string) ([]Entry, error) {
	file, err := c.fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("pem: reading %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("pem: %s is larger than %d bytes", path, MaxFileSize)
	}
	entries, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return entries, nil
}

// forget drops path from the cache, if it is still f (any entry when f is
// nil).
func (c *FileCache) forget(path string, f *cachedFile) {
	c.mu.Lock()
	if cur, ok := c.files[path]; ok && (f == nil || cur == f) {
		delete(c.files, path)
	}
	c.mu.Unlock()
}

// Clear empties the cache at once, whatever the age of its entries, as
// Erlang's ssl:clear_pem_cache/0. The next Get of every file reads it
// again.
func (c *FileCache) Clear() {
	c.mu.Lock()
	c.files = make(map[string]*cachedFile)
	c.mu.Unlock()
}

// Len returns the number of files in the cache.
func (c *FileCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.files)
}

// Clean runs one pass of the cleaner now: it drops the files not asked for
// during the last clean interval (by the cache's clock). With cleaning
// turned off (an interval of zero or less) it drops nothing.
func (c *FileCache) Clean() {
	c.mu.Lock()
	c.cleanLocked()
	c.mu.Unlock()
}

func (c *FileCache) cleanLocked() {
	if c.interval <= 0 {
		return
	}
	cutoff := c.now().Add(-c.interval).UnixNano()
	for path, f := range c.files {
		if f.lastUsed.Load() <= cutoff {
			delete(c.files, path)
		}
	}
}

// CleanInterval returns the clean interval.
func (c *FileCache) CleanInterval() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.interval
}

// SetCleanInterval sets how often the cache is cleaned, which is also how
// long a file may go unused before it is dropped. Zero or less turns
// cleaning off: files then stay until they change, Clear or Close. A
// running cleaner is restarted with the new interval.
func (c *FileCache) SetCleanInterval(d time.Duration) {
	c.mu.Lock()
	c.interval = d
	old := c.stopCleanerLocked()
	c.startCleanerLocked()
	c.mu.Unlock()
	if old != nil {
		<-old.done
	}
}

// Close stops the cleaner goroutine, waiting for it to end, and empties
// the cache. It always returns nil. The cache stays usable: a later Get
// reads the file again and starts a new cleaner. (So ssl.Stop can close
// Default and ssl.Start use it again.)
func (c *FileCache) Close() error {
	c.mu.Lock()
	old := c.stopCleanerLocked()
	c.files = make(map[string]*cachedFile)
	c.mu.Unlock()
	if old != nil {
		<-old.done
	}
	return nil
}

// startCleanerLocked starts the cleaner if the cache holds files, cleaning
// is on and none runs.
func (c *FileCache) startCleanerLocked() {
	if c.run != nil || c.interval <= 0 || len(c.files) == 0 {
		return
	}
	r := &cleanerRun{stop: make(chan struct{}), done: make(chan struct{})}
	c.run = r
	go c.cleaner(r, c.interval)
}

// stopCleanerLocked tells the running cleaner to stop and returns it, so
// that the caller can wait for it once it has released c.mu.
func (c *FileCache) stopCleanerLocked() *cleanerRun {
	r := c.run
	if r != nil {
		c.run = nil
		close(r.stop)
	}
	return r
}

// cleaner cleans the cache every interval until it is stopped, replaced,
// or finds the cache empty.
func (c *FileCache) cleaner(r *cleanerRun, interval time.Duration) {
	defer close(r.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		c.mu.Lock()
		if c.run != r {
			c.mu.Unlock()
			return
		}
		c.cleanLocked()
		if len(c.files) == 0 {
			c.run = nil
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}
