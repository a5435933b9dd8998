package sipctlcmd

import (
	"os/exec"
	"syscall"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// BenchmarkStartup runs the built binary as a user would and reports wall
// time per run and the peak resident memory of the process. Targets (issue
// 2): a few milliseconds and well under 14 MB for --version and --help,
// against Twilio's CLI at over a second and about 140 MB.
func BenchmarkStartup(b *testing.B) {
	bin := testenv.Binary(b)
	env := testenv.NewEnv(b).Environ()
	for _, args := range [][]string{{"--version"}, {"--help"}, {"domains", "--help"}} {
		b.Run(args[0]+func() string {
			if len(args) > 1 {
				return "_" + args[1]
			}
			return ""
		}(), func(b *testing.B) {
			var peak int64
			for b.Loop() {
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					peak = max(peak, ru.Maxrss) // KiB on Linux
				}
			}
			b.ReportMetric(float64(peak)/1024, "peak-MB")
		})
	}
}
