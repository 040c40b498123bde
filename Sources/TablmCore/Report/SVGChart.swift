import Foundation

/// Small charts written as inline SVG, so a report is one file that opens offline (no scripts, no
/// fonts or styles fetched). Sizes are in CSS pixels.
public enum SVGChart {
    public struct Series {
        public var name: String
        public var color: String
        public var values: [Double?]
        public init(name: String, color: String, values: [Double?]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    public static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948"]

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Width a legend entry takes: a swatch, a gap, and the name at about 6.2 px a character (11 px).
    static func legendEntryWidth(_ name: String) -> Double { 24 + 6.2 * Double(name.count) }

    /// The legend in rows under the title, wrapped to `width`: above the plot rather than beside it,
    /// so the plot keeps the whole width and no name is cut at the right edge. Returns the markup
    /// and the height it takes.
    static func legend(_ series: [Series], left: Double, top: Double, width: Double) -> (markup: String, height: Double) {
        var markup = "", x = left, y = top
        for s in series {
            let entry = legendEntryWidth(s.name)
            if x > left && x + entry > left + width { x = left; y += 16 }
            markup += "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
                + "<text x=\"\(number(x + 14))\" y=\"\(number(y + 9))\" font-size=\"11\">\(escape(s.name))</text>"
            x += entry + 8
        }
        return (markup, series.isEmpty ? 0 : y - top + 16)
    }

    /// The svg element: drawn in a `width` × `height` box (its viewBox) and scaled by the page to its
    /// column (CSS `width:100%`), never wider than it was drawn; no width attribute to overflow a phone.
    static func svgOpening(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(number(width)) \(number(height))\" style=\"max-width:\(number(width))px\" role=\"img\" aria-label=\"\(escape(title))\">"
    }

    /// An axis from 0 that ends on a round number, with ticks a round step apart (1, 2, 2.5 or 5 times
    /// a power of ten, four or five of them), so they read 0, 0.1, 0.2, … and never 0.171, 0.257.
    public struct Scale: Equatable {
        public var top: Double
        public var step: Double
        public var decimals: Int

        public init(maximum: Double) {
            guard maximum.isFinite, maximum > 0 else { self.init(top: 1, step: 0.25, decimals: 2); return }
            let raw = maximum / 4, magnitude = pow(10, (log10(raw)).rounded(.down))
            let factor = [1, 2, 2.5, 5, 10].first { $0 * magnitude >= raw * (1 - 1e-9) }!
            let step = factor * magnitude
            let top = (maximum / step - 1e-9).rounded(.up) * step
            // Digits after the point that the step needs (2.5 × 10⁻² needs three).
            let decimals = max(0, Int(-log10(step).rounded(.down)) + (factor == 2.5 ? 1 : 0))
            self.init(top: top, step: step, decimals: decimals)
        }

        init(top: Double, step: Double, decimals: Int) {
            self.top = top
            self.step = step
            self.decimals = decimals
        }

        public var ticks: [Double] { (0...Int((top / step).rounded())).map { Double($0) * step } }
        public func label(_ value: Double) -> String { String(format: "%.\(decimals)f", value) }
    }

    /// A y axis on `scale` with its name; returns the markup.
    private static func axis(left: Double, right: Double, top: Double, bottom: Double, scale: Scale, label: String) -> String {
        var markup = "<line x1=\"\(number(left))\" y1=\"\(number(bottom))\" x2=\"\(number(right))\" y2=\"\(number(bottom))\" stroke=\"#444\"/>"
        for value in scale.ticks {
            let y = bottom - (bottom - top) * value / scale.top
            markup += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(right))\" y2=\"\(number(y))\" stroke=\"#ddd\"/>"
            markup += "<text x=\"\(number(left - 4))\" y=\"\(number(y + 4))\" font-size=\"10\" text-anchor=\"end\">\(scale.label(value))</text>"
        }
        markup += "<text x=\"12\" y=\"\(number((top + bottom) / 2))\" font-size=\"11\" transform=\"rotate(-90 12 \(number((top + bottom) / 2)))\" text-anchor=\"middle\">\(escape(label))</text>"
        return markup
    }

    /// The scale of a chart's y axis: from 0 to `maximum`, or to the round number at or above the
    /// largest finite value.
    private static func scale(_ series: [Series], maximum: Double?) -> Scale {
        Scale(maximum: maximum ?? max(series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite).max() ?? 1, 1e-9))
    }

    /// The svg element, the title and the legend of a chart; returns the markup and where the plot
    /// may start (below the legend).
    private static func heading(title: String, series: [Series], width: Double, height: Double) -> (markup: String, top: Double) {
        var markup = svgOpening(width: width, height: height, title: title)
        markup += "<text x=\"\(number(width / 2))\" y=\"14\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\">\(escape(title))</text>"
        let legend = Self.legend(series, left: 56, top: 24, width: width - 66)
        return (markup + legend.markup, 24 + legend.height + 8)
    }

    /// The height the heading takes for `series` at `width` (title, legend rows, a gap).
    private static func headingHeight(_ series: [Series], width: Double) -> Double {
        24 + legend(series, left: 56, top: 24, width: width - 66).height + 8
    }

    /// Longest category label drawn in full; longer ones are cut with "…" (the bar's tooltip keeps
    /// the whole name). Adult's longest, `Outlying-US(Guam-USVI-etc)`, has 26 characters.
    static let longestLabel = 28

    static func shortened(_ text: String, to length: Int) -> String {
        text.count > length ? String(text.prefix(length - 1)) + "…" : text
    }

    /// Bars side by side for each category, one colour per series, the x axis named by `xLabel`
    /// under the category labels. A zero value is drawn as a line on the axis in its colour, so a
    /// legend entry never seems to have lost its bars; with `valueLabels` each bar carries its value.
    /// The bottom margin grows with the longest label.
    public static func groupedBars(title: String, categories: [String], series: [Series], xLabel: String = "", yLabel: String,
                                   maximum: Double? = nil, width: Double = 440, height: Double = 240, valueLabels: Bool = false) -> String {
        let labels = categories.map { shortened($0, to: longestLabel) }
        // Labels are rotated by 40°: about 5.5 px a character at 10 px, sin 40° ≈ 0.64 of it downwards.
        let labelDepth = 16 + 3.6 * Double(labels.map(\.count).max() ?? 0)
        let titleDepth = xLabel.isEmpty ? 0.0 : 18
        let plotTop = headingHeight(series, width: width)
        let height = max(height, plotTop + 150 + labelDepth + titleDepth)
        let left = 56.0, right = width - 10, bottom = height - labelDepth - titleDepth
        var (markup, top) = heading(title: title, series: series, width: width, height: height)
        let scale = scale(series, maximum: maximum), top_ = scale.top
        top += valueLabels ? 10 : 0
        markup += axis(left: left, right: right, top: top, bottom: bottom, scale: scale, label: yLabel)
        let slot = (right - left) / Double(max(categories.count, 1))
        let bar = slot * 0.8 / Double(max(series.count, 1))
        for (c, category) in categories.enumerated() {
            let x0 = left + Double(c) * slot + slot * 0.1
            for (s, item) in series.enumerated() {
                guard c < item.values.count, let value = item.values[c], value.isFinite else { continue }
                let h = (bottom - top) * min(value, top_) / top_
                let x = x0 + Double(s) * bar, w = max(bar - 1, 1)
                let tip = "<title>\(escape(item.name)) \(escape(category)): \(String(format: "%.4f", value))</title>"
                if h < 1.5 {
                    markup += "<rect x=\"\(number(x))\" y=\"\(number(bottom - 2))\" width=\"\(number(w))\" height=\"2\" fill=\"\(item.color)\">\(tip)</rect>"
                } else {
                    markup += "<rect x=\"\(number(x))\" y=\"\(number(bottom - h))\" width=\"\(number(w))\" height=\"\(number(h))\" fill=\"\(item.color)\">\(tip)</rect>"
                }
                if valueLabels {
                    markup += "<text x=\"\(number(x + w / 2))\" y=\"\(number(bottom - max(h, 2) - 3))\" font-size=\"9\" text-anchor=\"middle\">\(String(format: "%.3f", value))</text>"
                }
            }
            let cx = left + (Double(c) + 0.5) * slot
            markup += "<text x=\"\(number(cx))\" y=\"\(number(bottom + 12))\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-40 \(number(cx)) \(number(bottom + 12)))\">\(escape(labels[c]))</text>"
        }
        if !xLabel.isEmpty {
            markup += "<text x=\"\(number((left + right) / 2))\" y=\"\(number(height - 6))\" font-size=\"11\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        }
        return markup + "</svg>"
    }

    /// Points joined by lines over categorical x positions (e.g. ε = 1, 3, 10, ∞); nil leaves a gap.
    public static func lines(title: String, xLabels: [String], xTitle: String, series: [Series], yLabel: String,
                             maximum: Double? = nil, width: Double = 440, height: Double = 260) -> String {
        let height = max(height, headingHeight(series, width: width) + 190)
        let left = 56.0, right = width - 10, bottom = height - 40
        var (markup, top) = heading(title: title, series: series, width: width, height: height)
        let scale = scale(series, maximum: maximum), top_ = scale.top
        top += 4
        markup += axis(left: left, right: right, top: top, bottom: bottom, scale: scale, label: yLabel)
        func x(_ index: Int) -> Double { left + (right - left) * (Double(index) + 0.5) / Double(max(xLabels.count, 1)) }
        for (index, label) in xLabels.enumerated() {
            markup += "<text x=\"\(number(x(index)))\" y=\"\(number(bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(escape(label))</text>"
        }
        markup += "<text x=\"\((number((left + right) / 2)))\" y=\"\(number(bottom + 30))\" font-size=\"11\" text-anchor=\"middle\">\(escape(xTitle))</text>"
        for item in series {
            var path = "", pen = false
            for (index, value) in item.values.enumerated() {
                guard let value, value.isFinite else { pen = false; continue }
                let y = bottom - (bottom - top) * min(value, top_) / top_
                path += "\(pen ? "L" : "M")\(number(x(index))) \(number(y)) "
                pen = true
                markup += "<circle cx=\"\(number(x(index)))\" cy=\"\(number(y))\" r=\"3\" fill=\"\(item.color)\"><title>\(escape(item.name)) at \(escape(xLabels[index])): \(String(format: "%.4f", value))</title></circle>"
            }
            if !path.isEmpty { markup += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"2\"/>" }
        }
        return markup + "</svg>"
    }

    /// Colour of a heat-map cell: white at 0, dark red at `maximum`.
    static func heat(_ value: Double, maximum: Double) -> String {
        let t = value.isFinite ? min(max(value / maximum, 0), 1) : 0
        return String(format: "rgb(%d,%d,%d)", 255, Int(255 * (1 - 0.8 * t)), Int(255 * (1 - 0.9 * t)))
    }

    /// Longest column name a heat map writes; longer ones are cut with "…" (the cell's tooltip keeps
    /// the whole names).
    static let heatMapLabel = 14

    /// The lower triangle of a symmetric n × n matrix (row-major `values`) as coloured cells, white 0
    /// to dark red at `maximum`, each with its value: n(n − 1)/2 cells, the diagonal and the mirror
    /// half left out (they repeat or mean something else). Row names at the left, column names under
    /// the grid, rotated; the colour scale at the right with its ends labelled.
    public static func heatMap(title: String, labels: [String], values: [Double], maximum: Double, cell: Double = 30) -> String {
        let n = labels.count, short = labels.map { shortened($0, to: heatMapLabel) }
        let longest = 5.8 * Double(short.map(\.count).max() ?? 0)
        let left = longest + 10, top = 28.0, grid = Double(max(n - 1, 1)) * cell
        let scaleLeft = left + grid + 10, width = max(scaleLeft + 56, 240)
        let scaleHeight = max(grid, 100), height = top + max(grid + 0.72 * longest + 16, scaleHeight + 10)
        var markup = svgOpening(width: width, height: height, title: title)
        markup += "<text x=\"\(number(width / 2))\" y=\"14\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\">\(escape(title))</text>"
        for i in 1..<max(n, 1) {
            markup += "<text x=\"\(number(left - 4))\" y=\"\(number(top + (Double(i - 1) + 0.62) * cell))\" font-size=\"10\" text-anchor=\"end\">\(escape(short[i]))</text>"
        }
        for j in 0..<max(n - 1, 0) {
            let cx = left + (Double(j) + 0.6) * cell, y = top + grid + 8
            markup += "<text x=\"\(number(cx))\" y=\"\(number(y))\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-45 \(number(cx)) \(number(y)))\">\(escape(short[j]))</text>"
        }
        for i in 1..<max(n, 1) {
            for j in 0..<i {
                let value = values[i * n + j]
                let x = left + Double(j) * cell, y = top + Double(i - 1) * cell
                markup += "<rect class=\"cell\" x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(cell - 1))\" height=\"\(number(cell - 1))\" fill=\"\(heat(value, maximum: maximum))\"><title>\(escape(labels[i])) × \(escape(labels[j])): \(String(format: "%.4f", value))</title></rect>"
                let ink = value.isFinite && value / maximum > 0.6 ? "#fff" : "#222"
                markup += "<text x=\"\(number(x + cell / 2))\" y=\"\(number(y + cell / 2 + 3))\" font-size=\"9\" fill=\"\(ink)\" text-anchor=\"middle\">\(String(format: "%.2f", value))</text>"
            }
        }
        // The colour scale: ten steps from `maximum` (top) to 0 (bottom).
        let steps = 10
        for k in 0..<steps {
            let value = maximum * (Double(steps - k) - 0.5) / Double(steps)
            markup += "<rect class=\"scale\" x=\"\(number(scaleLeft))\" y=\"\(number(top + scaleHeight * Double(k) / Double(steps)))\" width=\"12\" height=\"\(number(scaleHeight / Double(steps) + 0.5))\" fill=\"\(heat(value, maximum: maximum))\"/>"
        }
        markup += "<rect x=\"\(number(scaleLeft))\" y=\"\(number(top))\" width=\"12\" height=\"\(number(scaleHeight))\" fill=\"none\" stroke=\"#888\"/>"
        for (fraction, value) in [(0.0, maximum), (0.5, maximum / 2), (1.0, 0.0)] {
            markup += "<text x=\"\(number(scaleLeft + 16))\" y=\"\(number(top + scaleHeight * fraction + 4))\" font-size=\"10\">\(String(format: "%.3g", value))</text>"
        }
        return markup + "</svg>"
    }
}
