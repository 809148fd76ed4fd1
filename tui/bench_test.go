package tui

import (
	"sort"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"nakami/lessons"
)

// BenchmarkKeyToFrame measures what one key press costs the workbench: the
// Update that handles it and the full render of the next frame, at 100×30,
// cycling through movement, panels, hints and language. It reports the
// median and 99th percentile per key.
func BenchmarkKeyToFrame(b *testing.B) {
	b.Setenv("NAKAMI_STATE_DIR", b.TempDir())
	m := newModel(&lessons.Env{}, Options{Lang: "en"})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	keys := []tea.KeyPressMsg{
		{Code: 'j', Text: "j"}, {Code: 'j', Text: "j"}, {Code: tea.KeyTab}, {Code: 'h', Text: "h"},
		{Code: 'k', Text: "k"}, {Code: 'L', Text: "L"}, {Code: tea.KeyTab}, {Code: 'n', Text: "n"}, {Code: 'p', Text: "p"},
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m.Update(keys[i%len(keys)])
		_ = m.render()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs/key")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs/key")
}
