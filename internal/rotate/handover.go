package rotate

import "github.com/sipctl/sipctl/internal/handover"

// The handover file moved to internal/handover; these names keep the
// callers that still say rotate.Record working.
type (
	Record        = handover.Record
	HandoverError = handover.HandoverError
)

var (
	FormulaStart        = handover.FormulaStart
	RecordOf            = handover.RecordOf
	Records             = handover.Records
	CheckHandoverPath   = handover.CheckHandoverPath
	Resolve             = handover.Resolve
	CheckHandover       = handover.CheckHandover
	ReadHandover        = handover.ReadHandover
	Merge               = handover.Merge
	EncodeJSON          = handover.EncodeJSON
	EncodeCSV           = handover.EncodeCSV
	WriteHandover       = handover.WriteHandover
	WriteHandoverLocked = handover.WriteHandoverLocked
	LockPath            = handover.LockPath
)
