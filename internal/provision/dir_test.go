package provision

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/rotate"
)

// fleet is n Yealink phones with one account each, and their handover.
func fleet(n int) ([]devices.Device, []rotate.Record) {
	devs := make([]devices.Device, n)
	recs := make([]rotate.Record, n)
	for i := range n {
		user := fmt.Sprintf("u%05d", i)
		recs[i] = rotate.Record{Username: user, Domain: "office.test", Password: fmt.Sprintf("pw-%05d-initial", i)}
		devs[i] = devices.Device{MAC: fmt.Sprintf("001565%06x", i), Vendor: "yealink", Model: "T54W",
			Lines: []devices.Line{{Account: devices.AccountKey(user, "office.test")}}}
	}
	return devs, recs
}

func TestWriteAllModesGenerationsAndUnchangedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prov")
	devs, recs := fleet(5)
	reg := Registrar{Host: "127.0.0.1", Port: 5070, Transport: "udp"}
	res, err := WriteAll(dir, devs, accountsOf(recs, reg), time.Now())
	if err != nil || res.Written != 5 || res.Unchanged != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	st, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o", st.Mode().Perm())
	}
	for _, d := range devs {
		st, err := os.Stat(filepath.Join(dir, d.MAC+".cfg"))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", d.MAC, st, err)
		}
	}
	before, _ := os.Stat(filepath.Join(dir, devs[0].MAC+".cfg"))

	recs[1].Password = "changed-password-1"
	res, err = WriteAll(dir, devs, accountsOf(recs, reg), time.Now())
	if err != nil || res.Written != 1 || res.Unchanged != 4 || res.Changed[0] != devs[1].MAC {
		t.Fatalf("%+v %v", res, err)
	}
	after, _ := os.Stat(filepath.Join(dir, devs[0].MAC+".cfg"))
	if !os.SameFile(before, after) {
		t.Error("an unchanged file was rewritten")
	}
	idx, err := ReadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if g := idx.Devices[devs[1].MAC].Generation; g != 2 {
		t.Errorf("changed device at generation %d", g)
	}
	if g := idx.Devices[devs[0].MAC].Generation; g != 1 {
		t.Errorf("unchanged device at generation %d", g)
	}
	data, _ := os.ReadFile(filepath.Join(dir, devs[1].MAC+".cfg"))
	if !strings.Contains(string(data), "changed-password-1") || !strings.Contains(string(data), "generation 2") {
		t.Errorf("%s", data)
	}
	index, _ := os.ReadFile(filepath.Join(dir, MetaDir, "index.json"))
	if strings.Contains(string(index), "pw-") || strings.Contains(string(index), "changed-password") {
		t.Error("the index holds a password")
	}
}

func TestCheckDirRefusesAnOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	err := CheckDir(dir)
	if err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Fatalf("err = %v", err)
	}
	devs, recs := fleet(1)
	if _, err := WriteAll(dir, devs, accountsOf(recs, Registrar{}), time.Now()); err == nil {
		t.Fatal("wrote into a directory others can read")
	}
}

// BenchmarkRender10000 renders 10,000 devices into an empty directory,
// then again with 10 passwords changed (which rewrites 10 files). The
// issue's bound: under 2 s and 64 MiB for the first; `go test -bench
// Render10000 -benchmem -benchtime 1x` prints both.
func BenchmarkRender10000(b *testing.B) {
	devs, recs := fleet(10000)
	reg := Registrar{Host: "127.0.0.1", Port: 5070, Transport: "udp"}
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), "prov")
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		start := time.Now()
		res, err := WriteAll(dir, devs, accountsOf(recs, reg), time.Now())
		first := time.Since(start)
		runtime.ReadMemStats(&ms1)
		if err != nil || res.Written != 10000 {
			b.Fatalf("%+v %v", res, err)
		}
		changed := append([]rotate.Record(nil), recs...)
		for i := 0; i < 10; i++ {
			changed[i*997].Password = "rotated-" + changed[i*997].Password
		}
		start = time.Now()
		res, err = WriteAll(dir, devs, accountsOf(changed, reg), time.Now())
		again := time.Since(start)
		if err != nil || res.Written != 10 {
			b.Fatalf("re-render wrote %d files: %v", res.Written, err)
		}
		b.ReportMetric(first.Seconds(), "s/first-render")
		b.ReportMetric(again.Seconds(), "s/re-render")
		b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20), "MiB-alloc/first-render")
	}
}
