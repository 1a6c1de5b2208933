package pem

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingFS counts the files opened (read) and stat calls.
type countingFS struct {
	opens, stats atomic.Int64
	mu           sync.Mutex
	perFile      map[string]int
}

func (c *countingFS) Stat(name string) (fs.FileInfo, error) {
	c.stats.Add(1)
	return os.Stat(name)
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	c.mu.Lock()
	if c.perFile == nil {
		c.perFile = make(map[string]int)
	}
	c.perFile[name]++
	c.mu.Unlock()
	return os.Open(name)
}

func (c *countingFS) reads(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.perFile[name]
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func certPEM(n int) []byte {
	return pemEncode("CERTIFICATE", nil, bytes.Repeat([]byte{byte(n)}, n))
}

// writeFile writes data and sets the modification time explicitly, so that
// the change is visible however coarse the file system's timestamps are.
func writeFile(t testing.TB, path string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestFileCacheReadsOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cert.pem")
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	writeFile(t, path, certPEM(3), base)
	cfs := &countingFS{}
	c := NewFileCache(WithFileSystem(cfs))
	defer c.Close()
	for i := 0; i < 10; i++ {
		entries, err := c.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || !bytes.Equal(entries[0].Bytes, []byte{3, 3, 3}) {
			t.Fatalf("entries %+v", entries)
		}
	}
	if n := cfs.reads(path); n != 1 {
		t.Fatalf("file read %d times, want 1", n)
	}
	if n := cfs.stats.Load(); n != 10 {
		t.Fatalf("%d stat calls, want one per Get", n)
	}
	// Changing the returned slice does not change the cache.
	entries, _ := c.Get(path)
	entries[0] = Entry{}
	again, _ := c.Get(path)
	if again[0].Kind != Certificate {
		t.Fatal("a caller's change to the returned slice reached the cache")
	}

	// A change of content and time is seen on the next Get.
	writeFile(t, path, certPEM(5), base.Add(time.Second))
	entries, err := c.Get(path)
	if err != nil || !bytes.Equal(entries[0].Bytes, []byte{5, 5, 5, 5, 5}) {
		t.Fatalf("after a change: %+v %v", entries, err)
	}
	// A change of time alone too (same size, same content).
	writeFile(t, path, certPEM(5), base.Add(2*time.Second))
	c.Get(path)
	// A change of size alone too (same time).
	writeFile(t, path, append(certPEM(5), '\n'), base.Add(2*time.Second))
	c.Get(path)
	if n := cfs.reads(path); n != 4 {
		t.Fatalf("file read %d times, want 4", n)
	}
	// An unchanged file is not read again.
	c.Get(path)
	if n := cfs.reads(path); n != 4 {
		t.Fatalf("file read %d times after an unchanged Get, want 4", n)
	}
}

func TestFileCacheErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cert.pem")
	c := NewFileCache()
	defer c.Close()
	if _, err := c.Get(path); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v", err)
	}
	if c.Len() != 0 {
		t.Fatal("a missing file was cached")
	}
	writeFile(t, path, []byte("-----BEGIN CERTIFICATE-----\nMAA=\n"), time.Now())
	if _, err := c.Get(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "no END line") {
		t.Fatalf("bad file: %v", err)
	}
	if c.Len() != 0 {
		t.Fatal("a file that does not decode was cached")
	}
	if _, err := c.Get(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: %v", err)
	}
	// A cached file that disappears is dropped.
	writeFile(t, path, certPEM(1), time.Now())
	if _, err := c.Get(path); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	if _, err := c.Get(path); !os.IsNotExist(err) {
		t.Fatalf("removed file: %v", err)
	}
	if c.Len() != 0 {
		t.Fatal("a removed file stayed cached")
	}
}

func TestFileCacheClearAndClean(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pem"), filepath.Join(dir, "b.pem")
	writeFile(t, a, certPEM(1), time.Now())
	writeFile(t, b, certPEM(2), time.Now())
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	cfs := &countingFS{}
	// A long real interval: the timer never fires here; Clean is called.
	c := NewFileCache(WithFileSystem(cfs), WithClock(clock.Now), WithCleanInterval(time.Hour))
	defer c.Close()
	c.Get(a)
	c.Get(b)
	if c.Len() != 2 {
		t.Fatalf("Len = %d", c.Len())
	}
	c.Clear()
	if c.Len() != 0 {
		t.Fatal("Clear left entries")
	}
	c.Get(a)
	if cfs.reads(a) != 2 {
		t.Fatal("Get after Clear did not read the file again")
	}

	c.Get(b)
	clock.Advance(40 * time.Minute)
	c.Get(a) // a used at +40m, b at +0
	clock.Advance(30 * time.Minute)
	c.Clean() // cutoff +10m: b goes, a stays
	if c.Len() != 1 {
		t.Fatalf("after the first clean Len = %d, want 1", c.Len())
	}
	c.Get(a)
	if cfs.reads(a) != 2 {
		t.Fatal("a was dropped although used within the interval")
	}
	clock.Advance(time.Hour)
	c.Clean()
	if c.Len() != 0 {
		t.Fatal("an entry unused for the interval survived")
	}

	// With cleaning off, nothing is dropped.
	c.SetCleanInterval(0)
	c.Get(a)
	clock.Advance(1000 * time.Hour)
	c.Clean()
	if c.Len() != 1 {
		t.Fatal("cleaning off, but the entry was dropped")
	}
	if c.CleanInterval() != 0 {
		t.Fatal("CleanInterval")
	}
}

func (c *FileCache) cleanerRunning() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.run != nil
}

// waitGoroutines waits until the number of goroutines is at most want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The cleaner runs on real time: with a short interval an unused entry
// goes by itself, and the cleaner then ends, having nothing to clean.
func TestFileCacheCleanerTimer(t *testing.T) {
	base := runtime.NumGoroutine()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.pem")
	writeFile(t, path, certPEM(1), time.Now())
	c := NewFileCache(WithCleanInterval(20 * time.Millisecond))
	if c.cleanerRunning() {
		t.Fatal("NewFileCache started the cleaner")
	}
	if _, err := c.Get(path); err != nil {
		t.Fatal(err)
	}
	if !c.cleanerRunning() {
		t.Fatal("the first Get did not start the cleaner")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the cleaner did not drop the unused entry")
		}
		time.Sleep(5 * time.Millisecond)
	}
	waitGoroutines(t, base)
	if c.cleanerRunning() {
		t.Fatal("the cleaner still runs on an empty cache")
	}

	// Used again: a new cleaner; Close stops it and empties the cache.
	c.Get(path)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 0 {
		t.Fatal("Close left entries")
	}
	waitGoroutines(t, base)

	// Still usable after Close; SetCleanInterval restarts the cleaner.
	c.SetCleanInterval(time.Hour)
	c.Get(path)
	c.SetCleanInterval(10 * time.Millisecond)
	if c.Len() != 1 {
		t.Fatal("Get after Close did not cache")
	}
	c.SetCleanInterval(0) // cleaning off: the cleaner stops
	waitGoroutines(t, base)
	c.Close()
	waitGoroutines(t, base)
}

// Many goroutines use the cache while files change and the cache is
// cleared, cleaned and closed; run with -race.
func TestFileCacheConcurrent(t *testing.T) {
	base := runtime.NumGoroutine()
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 4; i++ {
		p := filepath.Join(dir, fmt.Sprintf("f%d.pem", i))
		writeFile(t, p, certPEM(i+1), time.Now())
		paths = append(paths, p)
	}
	cfs := &countingFS{}
	c := NewFileCache(WithFileSystem(cfs), WithCleanInterval(time.Millisecond))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var failed atomic.Value
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := paths[(g+i)%len(paths)]
				entries, err := c.Get(p)
				if err != nil {
					// A file being rewritten may be seen empty or cut.
					continue
				}
				for _, e := range entries {
					if e.Kind != Certificate || len(e.Bytes) == 0 {
						failed.Store(fmt.Sprintf("bad entry %+v", e))
					}
				}
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			switch i % 5 {
			case 0:
				// Not writeFile: t.Fatal must not be called off the test goroutine.
				p, mt := paths[i%len(paths)], time.Now().Add(time.Duration(i)*time.Second)
				if err := os.WriteFile(p, certPEM(i%50+1), 0o600); err != nil {
					failed.Store(err.Error())
				}
				os.Chtimes(p, mt, mt)
			case 1:
				c.Clear()
			case 2:
				c.Clean()
			case 3:
				c.SetCleanInterval(time.Duration(i%3) * time.Millisecond)
			case 4:
				c.Close()
			}
			time.Sleep(time.Millisecond)
		}
		close(stop)
	}()
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
	c.Close()
	waitGoroutines(t, base)
}

// Concurrent first Gets of one file read it once.
func TestFileCacheConcurrentFirstGet(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.pem")
	writeFile(t, path, certPEM(7), time.Now())
	cfs := &countingFS{}
	c := NewFileCache(WithFileSystem(cfs))
	defer c.Close()
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Get(path); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := cfs.reads(path); n != 1 {
		t.Fatalf("read %d times", n)
	}
}

func TestDefaultCache(t *testing.T) {
	if Default.CleanInterval() != 2*time.Minute {
		t.Fatalf("Default clean interval %v, want 2m (ssl_pem_cache_clean 120000)", Default.CleanInterval())
	}
	defer SetCleanInterval(DefaultCleanInterval)
	SetCleanInterval(time.Minute)
	if Default.CleanInterval() != time.Minute {
		t.Fatal("SetCleanInterval did not reach Default")
	}
}
