package postgres

import (
	"encoding/json"

	"github.com/cofferhq/coffer"
)

const operationColumns = `id, kind, fingerprint, result, err_code, err_message, created_at`

func scanOperation(r rowScanner) (coffer.Operation, error) {
	var (
		o      coffer.Operation
		result []byte
	)
	if err := r.Scan(&o.ID, &o.Kind, &o.Fingerprint, &result, &o.ErrCode, &o.ErrMessage, &o.CreatedAt); err != nil {
		return coffer.Operation{}, err
	}
	if result != nil {
		o.Result = json.RawMessage(result)
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return o, nil
}
