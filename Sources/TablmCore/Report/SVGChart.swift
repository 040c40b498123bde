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

    private static func legend(_ series: [Series], x: Double, y: Double) -> String {
        series.enumerated().map { index, s in
            let top = y + Double(index) * 16
            return "<rect x=\"\(number(x))\" y=\"\(number(top))\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
                + "<text x=\"\(number(x + 14))\" y=\"\(number(top + 9))\" font-size=\"11\">\(escape(s.name))</text>"
        }.joined()
    }

    /// A y axis from 0 to `top` with four ticks; returns the markup.
    private static func axis(left: Double, right: Double, top: Double, bottom: Double, maximum: Double, label: String) -> String {
        var markup = "<line x1=\"\(number(left))\" y1=\"\(number(bottom))\" x2=\"\(number(right))\" y2=\"\(number(bottom))\" stroke=\"#444\"/>"
        // Enough decimals that the ticks (a quarter of the maximum apart) read differently.
        let decimals = maximum > 0 ? max(0, Int((-log10(maximum / 4)).rounded(.up)) + 1) : 0
        for tick in 0...4 {
            let value = maximum * Double(tick) / 4, y = bottom - (bottom - top) * Double(tick) / 4
            markup += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(right))\" y2=\"\(number(y))\" stroke=\"#ddd\"/>"
            markup += "<text x=\"\(number(left - 4))\" y=\"\(number(y + 4))\" font-size=\"10\" text-anchor=\"end\">\(String(format: "%.\(decimals)f", value))</text>"
        }
        markup += "<text x=\"12\" y=\"\(number((top + bottom) / 2))\" font-size=\"11\" transform=\"rotate(-90 12 \(number((top + bottom) / 2)))\" text-anchor=\"middle\">\(escape(label))</text>"
        return markup
    }

    /// The svg element, the title and the y axis of a chart, and the axis maximum (`maximum`, or 1.1 ×
    /// the largest finite value).
    private static func opening(title: String, series: [Series], maximum: Double?, yLabel: String, width: Double, height: Double,
                                left: Double, right: Double, top: Double, bottom: Double) -> (markup: String, maximum: Double) {
        let top_ = maximum ?? max(series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite).max() ?? 1, 1e-9) * 1.1
        var markup = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" role=\"img\">"
        markup += "<text x=\"\(number(width / 2))\" y=\"14\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\">\(escape(title))</text>"
        markup += axis(left: left, right: right, top: top, bottom: bottom, maximum: top_, label: yLabel)
        return (markup, top_)
    }

    /// Bars side by side for each category, one colour per series.
    public static func groupedBars(title: String, categories: [String], series: [Series], yLabel: String,
                                   maximum: Double? = nil, width: Double = 460, height: Double = 240) -> String {
        let left = 56.0, right = width - 110, top = 24.0, bottom = height - 56
        var (markup, top_) = opening(title: title, series: series, maximum: maximum, yLabel: yLabel, width: width, height: height,
                                     left: left, right: right, top: top, bottom: bottom)
        let slot = (right - left) / Double(max(categories.count, 1))
        let bar = slot * 0.8 / Double(max(series.count, 1))
        for (c, category) in categories.enumerated() {
            let x0 = left + Double(c) * slot + slot * 0.1
            for (s, item) in series.enumerated() {
                guard c < item.values.count, let value = item.values[c], value.isFinite else { continue }
                let h = (bottom - top) * min(value, top_) / top_
                markup += "<rect x=\"\(number(x0 + Double(s) * bar))\" y=\"\(number(bottom - h))\" width=\"\(number(max(bar - 1, 1)))\" height=\"\(number(h))\" fill=\"\(item.color)\"><title>\(escape(item.name)) \(escape(category)): \(String(format: "%.4f", value))</title></rect>"
            }
            let cx = left + (Double(c) + 0.5) * slot
            let text = category.count > 14 ? String(category.prefix(13)) + "…" : category
            markup += "<text x=\"\(number(cx))\" y=\"\(number(bottom + 10))\" font-size=\"9\" text-anchor=\"end\" transform=\"rotate(-40 \(number(cx)) \(number(bottom + 10)))\">\(escape(text))</text>"
        }
        markup += legend(series, x: right + 10, y: top)
        return markup + "</svg>"
    }

    /// Points joined by lines over categorical x positions (e.g. ε = 1, 3, 10, ∞); nil leaves a gap.
    public static func lines(title: String, xLabels: [String], xTitle: String, series: [Series], yLabel: String,
                             maximum: Double? = nil, width: Double = 460, height: Double = 260) -> String {
        let left = 56.0, right = width - 110, top = 24.0, bottom = height - 40
        var (markup, top_) = opening(title: title, series: series, maximum: maximum, yLabel: yLabel, width: width, height: height,
                                     left: left, right: right, top: top, bottom: bottom)
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
        markup += legend(series, x: right + 10, y: top)
        return markup + "</svg>"
    }

    /// An n × n matrix as coloured cells (white 0 → dark red at `maximum`), values printed in cells.
    public static func heatMap(title: String, labels: [String], values: [Double], maximum: Double, cell: Double = 34) -> String {
        let n = labels.count, margin = 110.0
        let size = margin + Double(n) * cell + 10
        var markup = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(size))\" height=\"\(number(size + 20))\" role=\"img\">"
        markup += "<text x=\"\(number(size / 2))\" y=\"14\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\">\(escape(title))</text>"
        let top = margin + 20
        for (i, label) in labels.enumerated() {
            let text = label.count > 16 ? String(label.prefix(15)) + "…" : label
            markup += "<text x=\"\(number(margin - 4))\" y=\"\(number(top + (Double(i) + 0.6) * cell))\" font-size=\"10\" text-anchor=\"end\">\(escape(text))</text>"
            let cx = margin + (Double(i) + 0.5) * cell
            markup += "<text x=\"\(number(cx))\" y=\"\(number(top - 4))\" font-size=\"10\" transform=\"rotate(-50 \(number(cx)) \(number(top - 4)))\">\(escape(text))</text>"
        }
        for i in 0..<n {
            for j in 0..<n {
                let value = values[i * n + j]
                let t = value.isFinite ? min(max(value / maximum, 0), 1) : 0
                let color = String(format: "rgb(%d,%d,%d)", 255, Int(255 * (1 - 0.8 * t)), Int(255 * (1 - 0.9 * t)))
                let x = margin + Double(j) * cell, y = top + Double(i) * cell
                markup += "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(cell - 1))\" height=\"\(number(cell - 1))\" fill=\"\(color)\"><title>\(escape(labels[i])) × \(escape(labels[j])): \(String(format: "%.4f", value))</title></rect>"
                markup += "<text x=\"\(number(x + cell / 2))\" y=\"\(number(y + cell / 2 + 3))\" font-size=\"8\" text-anchor=\"middle\">\(String(format: "%.2f", value))</text>"
            }
        }
        return markup + "</svg>"
    }
}
