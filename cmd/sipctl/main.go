// Command sipctl administers SIP accounts against a provider's API.
package main

import (
	"os"

	"github.com/sipctl/sipctl/internal/sipctlcmd"
)

func main() { os.Exit(sipctlcmd.Main()) }
