package broadcast

import "testing"

func TestSignal(t *testing.T) {
	var s Signal
	s.Notify() // no waiter: nothing to wake, and nothing remembered
	a, b := s.Wait(), s.Wait()
	select {
	case <-a:
		t.Fatal("woken before Notify")
	default:
	}
	s.Notify()
	<-a
	<-b
	c := s.Wait()
	select {
	case <-c:
		t.Fatal("a wait taken after Notify is woken by the next one only")
	default:
	}
}
