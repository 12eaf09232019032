package wxa

// Validate reports why WeChat would refuse r (a *RequestError, which
// matches ErrInvalidArgument), without calling it: a command can check
// its flags once before it spends any call.
func (r CodeRequest) Validate() error {
	_, err := r.normalize()
	return err
}
