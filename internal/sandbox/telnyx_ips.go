package sandbox

func (h *txHandler) ipRoutes() {}
