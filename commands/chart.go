package commands

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// ChartPoint is one period of the recap chart.
type ChartPoint struct {
	Label  string  // e.g. "16 Nov"
	Posted int     // leads posted
	Good   float64 // share of good ratings, 0–1; NaN when nothing was rated
}

// RecapChart draws leads posted (bars) and % good (line) per period as a
// PNG, oldest period first.
func RecapChart(points []ChartPoint) ([]byte, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("chart: no periods")
	}
	labels := make([]string, len(points))
	posted := make(plotter.Values, len(points))
	var good plotter.XYs
	for i, p := range points {
		labels[i] = p.Label
		posted[i] = float64(p.Posted)
		if !math.IsNaN(p.Good) {
			good = append(good, plotter.XY{X: float64(i), Y: p.Good * 100})
		}
	}

	top := plot.New()
	top.Title.Text = "Leads posted"
	bars, err := plotter.NewBarChart(posted, vg.Points(28))
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	bars.Color = color.RGBA{R: 0x1f, G: 0x3a, B: 0x5f, A: 0xff}
	bars.LineStyle.Width = 0
	top.Add(bars, plotter.NewGrid())
	top.NominalX(labels...)
	top.Y.Min = 0

	bottom := plot.New()
	bottom.Title.Text = "% good"
	bottom.Add(plotter.NewGrid())
	if len(good) > 0 {
		line, dots, err := plotter.NewLinePoints(good)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		line.Color = color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff}
		line.Width = vg.Points(2)
		dots.Color = line.Color
		bottom.Add(line, dots)
	}
	bottom.NominalX(labels...)
	bottom.Y.Min, bottom.Y.Max = 0, 100
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = -0.6, float64(len(points))-0.4 // room for the end bars
	}

	img := vgimg.New(vg.Points(640), vg.Points(480))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(16), PadY: vg.Points(16)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])

	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return buf.Bytes(), nil
}
