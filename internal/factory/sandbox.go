package factory

import (
	"errors"
	"io"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
)

func sandboxProvider(f *cmdutil.Factory, p *config.Profile, debug io.Writer) (provider.Provider, error) {
	return nil, errors.New("the sandbox provider is not available in this build yet")
}
