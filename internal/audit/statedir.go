package audit

import "github.com/sipctl/sipctl/internal/config"

func stateDir() string { return config.StateDir() }
