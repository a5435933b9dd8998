package provision

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/devices"
)

// MetaDir is where a provisioning directory keeps its index and fetch log;
// `provision serve` never serves it.
const MetaDir = ".sipctl"

// Index records what a provisioning directory holds: each device's files,
// their content hashes, the generation, and the accounts on its lines.
type Index struct {
	Devices map[string]*IndexDevice `json:"devices"`
}

// IndexDevice is one device's entry.
type IndexDevice struct {
	Name       string      `json:"name"`
	Display    string      `json:"display"`
	Vendor     string      `json:"vendor"`
	Model      string      `json:"model"`
	Lines      []string    `json:"lines"`
	Generation int         `json:"generation"`
	Written    time.Time   `json:"written"`
	Files      []IndexFile `json:"files"`
}

// IndexFile is one file of a device, by content hash (never content).
type IndexFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// CheckDir makes sure dir exists as a directory only its owner can read,
// creating it 0700 when missing. A directory open to group or others is
// refused rather than quietly changed.
func CheckDir(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
		st, err = os.Stat(dir)
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is open to group or others (mode %04o): provisioning files hold passwords; run `chmod 700 %s`", dir, st.Mode().Perm(), dir)
	}
	return os.MkdirAll(filepath.Join(dir, MetaDir), 0o700)
}

// ReadIndex reads dir's index; an empty one when there is none yet.
func ReadIndex(dir string) (*Index, error) {
	data, err := os.ReadFile(filepath.Join(dir, MetaDir, "index.json"))
	if errors.Is(err, os.ErrNotExist) {
		return &Index{Devices: map[string]*IndexDevice{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var idx Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, MetaDir, "index.json"), err)
	}
	if idx.Devices == nil {
		idx.Devices = map[string]*IndexDevice{}
	}
	return &idx, nil
}

// Result is what a render did.
type Result struct {
	Devices   int
	Written   int // files written (new or changed)
	Unchanged int
	// Changed names the devices whose files changed, in inventory order.
	Changed []string
}

// WriteAll renders every device into dir (checked with CheckDir first):
// a file whose content would not change is left alone; a changed device's
// generation goes up by one; new and changed files are written atomically
// (temporary file, fsync, rename), 0600, and the directory is synced
// before the index records them. Nothing is written when a device cannot
// be rendered.
func WriteAll(dir string, devs []devices.Device, accounts map[string]Account, now time.Time) (Result, error) {
	if err := CheckDir(dir); err != nil {
		return Result{}, err
	}
	idx, err := ReadIndex(dir)
	if err != nil {
		return Result{}, err
	}
	type pending struct {
		files []File
		entry *IndexDevice
	}
	var todo []pending
	res := Result{Devices: len(devs)}
	for _, d := range devs {
		prev := idx.Devices[d.Name()]
		gen := 1
		if prev != nil {
			gen = prev.Generation
		}
		files, err := Render(d, gen, accounts)
		if err != nil {
			return Result{}, err
		}
		if prev != nil && sameFiles(dir, prev, files) {
			res.Unchanged += len(files)
			continue
		}
		if prev != nil {
			gen = prev.Generation + 1
			if files, err = Render(d, gen, accounts); err != nil {
				return Result{}, err
			}
		}
		e := &IndexDevice{Name: d.Name(), Display: d.Display(), Vendor: d.Vendor, Model: d.Model, Generation: gen, Written: now.UTC()}
		for _, l := range d.Lines {
			e.Lines = append(e.Lines, l.Account)
		}
		for _, f := range files {
			sum := sha256.Sum256(f.Data)
			e.Files = append(e.Files, IndexFile{Name: f.Name, SHA256: hex.EncodeToString(sum[:])})
		}
		todo = append(todo, pending{files, e})
		res.Changed = append(res.Changed, d.Name())
	}
	if len(todo) == 0 {
		return res, nil
	}
	var files []File
	for _, p := range todo {
		files = append(files, p.files...)
	}
	if err := writeMany(dir, files); err != nil {
		return Result{}, err
	}
	res.Written = len(files)
	if err := syncDir(dir); err != nil {
		return Result{}, err
	}
	for _, p := range todo {
		idx.Devices[p.entry.Name] = p.entry
	}
	if err := WriteIndex(dir, idx); err != nil {
		return Result{}, err
	}
	return res, nil
}

// sameFiles says the device's files on disk are what it would write now
// (the index's hashes match and the files are there with that content).
func sameFiles(dir string, prev *IndexDevice, files []File) bool {
	if len(prev.Files) != len(files) {
		return false
	}
	for i, f := range files {
		sum := sha256.Sum256(f.Data)
		if prev.Files[i].Name != f.Name || prev.Files[i].SHA256 != hex.EncodeToString(sum[:]) {
			return false
		}
		onDisk, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil || !bytes.Equal(onDisk, f.Data) {
			return false
		}
	}
	return true
}

// WriteIndex writes the index atomically.
func WriteIndex(dir string, idx *Index) error {
	data, err := json.MarshalIndent(idx, "", " ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, MetaDir), "index.json", data); err != nil {
		return err
	}
	return syncDir(filepath.Join(dir, MetaDir))
}

// writeMany writes files into dir atomically: each into a temporary file,
// all flushed (one syncfs where there is one, else an fsync each), then
// each renamed over its name. A crash leaves every file old or new.
func writeMany(dir string, files []File) error {
	fast := len(files) > 16 && haveSyncFS
	tmps := make([]string, len(files))
	work := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				name, err := writeTemp(dir, files[i].Data, !fast)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				tmps[i] = name
			}
		})
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	cleanup := func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t)
			}
		}
	}
	select {
	case err := <-errs:
		cleanup()
		return err
	default:
	}
	if fast {
		if _, err := syncFS(dir); err != nil {
			cleanup()
			return err
		}
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], filepath.Join(dir, f.Name)); err != nil {
			cleanup()
			return err
		}
		tmps[i] = ""
	}
	return syncDir(dir)
}

func writeTemp(dir string, data []byte, fsync bool) (string, error) {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	_, werr := tmp.Write(data)
	var serr error
	if fsync && werr == nil {
		serr = tmp.Sync()
	}
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// writeAtomic writes name in dir through a temporary file that is synced
// and renamed over it, mode 0600 from the start.
func writeAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Sorted lists the index's devices by name.
func (x *Index) Sorted() []*IndexDevice {
	out := make([]*IndexDevice, 0, len(x.Devices))
	for _, d := range x.Devices {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FileOwners maps each file name to the device it belongs to.
func (x *Index) FileOwners() map[string]string {
	m := map[string]string{}
	for _, d := range x.Devices {
		for _, f := range d.Files {
			m[f.Name] = d.Name
		}
	}
	return m
}

// DefaultDir is the provisioning directory when --dir is not given: the
// state directory's provision/.
func DefaultDir(stateDir string) string { return filepath.Join(stateDir, "provision") }
