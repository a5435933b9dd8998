package sip

import (
	"log/slog"

	"github.com/emiago/sipgo/sip"
)

// sipgo's transports log through a package-wide logger (slog.Default unless
// set), which would print library warnings such as "UDP ref went negative"
// on a user's terminal. sipctl reports outcomes itself; the registrar takes
// its own logger in RegistrarOptions.
func init() { sip.SetDefaultLogger(slog.New(slog.DiscardHandler)) }
