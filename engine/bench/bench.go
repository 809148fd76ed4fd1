package bench

// Samples, medians, ratios and the alternating loop.

import (
	"slices"
	"time"
)

// Series is one candidate's measurements.
type Series struct {
	Name    string          `json:"name"`
	Command string          `json:"command"`
	Missing string          `json:"missing,omitempty"` // why it was not measured
	Samples []time.Duration `json:"samples_ns,omitempty"`
	Median  time.Duration   `json:"median_ns"`
}

// Candidate is something to time: run once per round.
type Candidate struct {
	Name, Command, Missing string
	Run                    func() error
}

// Progress is called before each measurement.
type Progress func(what string, round, rounds int)

// Alternate runs every candidate once per round, in turn, rounds times,
// after one unmeasured warm-up round, and returns their series. A
// candidate that fails stops the measurement with its error.
func Alternate(what string, cs []Candidate, rounds int, p Progress) ([]Series, error) {
	out := make([]Series, len(cs))
	for i, c := range cs {
		out[i] = Series{Name: c.Name, Command: c.Command, Missing: c.Missing}
	}
	for r := 0; r <= rounds; r++ {
		if p != nil {
			p(what, r, rounds)
		}
		for i, c := range cs {
			if c.Missing != "" {
				continue
			}
			t0 := time.Now()
			if err := c.Run(); err != nil {
				return out, err
			}
			if d := time.Since(t0); r > 0 {
				out[i].Samples = append(out[i].Samples, d)
			}
		}
	}
	for i := range out {
		out[i].Median = Median(out[i].Samples)
	}
	return out, nil
}

// Median of ds (0 for none).
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Ratio is a/b, 0 when either is missing.
func Ratio(a, b time.Duration) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
