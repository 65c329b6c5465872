package sqlite

import "github.com/cofferhq/coffer"

func appendOperation(args []any, o *coffer.Operation) []any {
	return append(args, o.ID, o.Kind, o.Fingerprint, string(o.Result), o.ErrCode, o.ErrMessage,
		micro(o.CreatedAt))
}

func scanOperation(r row) (coffer.Operation, error) {
	var o coffer.Operation
	var result string
	var created int64
	if err := r.Scan(&o.ID, &o.Kind, &o.Fingerprint, &result, &o.ErrCode, &o.ErrMessage, &created); err != nil {
		return coffer.Operation{}, err
	}
	o.Result = rawJSON(result)
	o.CreatedAt = fromMicro(created)
	return o, nil
}
