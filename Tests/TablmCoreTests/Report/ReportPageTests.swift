import Foundation
import TablmCore
import XCTest

/// The evaluation page as issue #35 asks for it: fits a phone, half-open bins, categories by
/// frequency, one triangle per heat map, every term defined, the run's context, outliers named.
final class ReportPageTests: XCTestCase {
    private func report(privacy: Bool = true) throws -> EvaluationReport {
        var report = try ReportVerdictTests.baseReport()
        if privacy {
            report.privacy = PrivacyRecord(epsilon: 1, delta: 1e-5, noiseMultiplier: 1.1, sampleRate: 0.01, clipNorm: 1, accountant: "rdp")
        }
        return report
    }

    /// Every match of `pattern` in `text`.
    private func matches(_ pattern: String, in text: String) throws -> [String] {
        let expression = try NSRegularExpression(pattern: pattern)
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
    }

    /// The viewport tag; every svg drawn in a viewBox with no width or height attribute (CSS scales
    /// it to the column); every table inside its own scrolling box.
    func testThePageFitsAPhone() throws {
        let page = EvaluationHTML.page(try report(), title: "t")
        XCTAssertTrue(page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        XCTAssertTrue(page.contains("svg{display:block;width:100%;height:auto}"))
        let svgs = try matches("<svg[^>]*>", in: page)
        XCTAssertEqual(svgs.count, 3 + 2 + 1)
        for svg in svgs {
            XCTAssertTrue(svg.contains(" viewBox=\"0 0 "), svg)
            XCTAssertFalse(svg.contains(" width=\""), svg)
            XCTAssertFalse(svg.contains(" height=\""), svg)
        }
        XCTAssertEqual(page.components(separatedBy: "<table").count - 1, page.components(separatedBy: "<div class=\"scroll\"><table").count - 1)
        XCTAssertTrue(SweepReport.html([], title: "s").contains("name=\"viewport\""))
    }

    /// Uniform values 0 … 99 hold no atom: cuts at their deciles 10, 20, …, 90. Bins read [0, 10),
    /// [10, 20), …, [90, 99], each opening where the last closed; a synthetic 150 closes the last
    /// bin at 150; with no table given the outer bins stay open.
    func testNumericBinsAreHalfOpenAndDoNotShareEnds() throws {
        let schema = Schema(columns: [.integer("n", min: 0, max: 1000)], source: .public)
        let fidelity = MarginalFidelity(schema: schema, fittedOn: (0..<100).map { [.number(Int64($0))] })
        let labels = fidelity.binLabels(column: 0, lowest: 0, highest: 99)
        XCTAssertEqual(labels, ["missing", "[0, 10)", "[10, 20)", "[20, 30)", "[30, 40)", "[40, 50)", "[50, 60)", "[60, 70)", "[70, 80)", "[80, 90)", "[90, 99]"])
        XCTAssertEqual(fidelity.binLabels(column: 0, lowest: 0, highest: 150).last, "[90, 150]")
        XCTAssertEqual(fidelity.binLabels[0].dropFirst().first, "< 10")
        XCTAssertEqual(fidelity.binLabels[0].last, "≥ 90")
        // On a report: every numeric chart's ranges chain, half-open, the last closed.
        let report = try report()
        let age = try XCTUnwrap(report.histograms.first { $0.column == "age" })
        XCTAssertTrue(age.numeric)
        let ranges = age.bins.dropFirst().filter { $0.hasPrefix("[") }
        XCTAssertGreaterThan(ranges.count, 3)
        for (a, b) in zip(ranges, ranges.dropFirst()) {
            XCTAssertTrue(a.hasSuffix(")"), a)
            let end = a.split(separator: ",")[1].dropFirst().dropLast(), start = b.dropFirst().split(separator: ",")[0]
            XCTAssertEqual(String(end), String(start), "\(a) then \(b)")
        }
        XCTAssertTrue(try XCTUnwrap(ranges.last).hasSuffix("]"))
        XCTAssertFalse(age.bins.contains { $0.contains("–") }, "no closed a–b ranges that share their ends")
    }

    /// Categories are charted by their real share, largest first; numeric bins keep their order.
    func testCategoriesFollowTheirRealFrequency() throws {
        let histogram = EvaluationReport.Histogram(column: "c", bins: ["missing", "a", "b", "c", "d"], real: [0, 0.2, 0.5, 0.3, 0],
                                                   synthetic: [0, 0.6, 0.1, 0.2, 0.1])
        XCTAssertEqual(EvaluationHTML.bars(histogram).labels, ["b", "c", "a", "d"])
        var numeric = histogram
        numeric.numeric = true
        XCTAssertEqual(EvaluationHTML.bars(numeric).labels, ["a", "b", "c", "d"])
        // In the page: sex's chart draws M before F where M is the more frequent in the real rows.
        let report = try report()
        let sex = try XCTUnwrap(report.histograms.first { $0.column == "sex" })
        let expected = sex.real[1] >= sex.real[2] ? ["F", "M"] : ["M", "F"]
        XCTAssertEqual(EvaluationHTML.bars(sex).labels, expected)
    }

    /// A heat map of n columns draws n(n − 1)/2 cells, the lower triangle without the diagonal, and
    /// names every column.
    func testHeatMapsShowOneTriangle() throws {
        let labels = ["age", "workclass", "fnlwgt", "education", "a-very-long-column-name"]
        let n = labels.count
        let values = (0..<(n * n)).map { Double($0 / n + $0 % n) / 10 }
        let chart = SVGChart.heatMap(title: "h", labels: labels, values: values, maximum: 1)
        XCTAssertEqual(chart.components(separatedBy: "class=\"cell\"").count - 1, n * (n - 1) / 2)
        // Cell (i, j) for i > j only: its tooltip names row i before column j.
        XCTAssertTrue(chart.contains("<title>workclass × age: "))
        XCTAssertFalse(chart.contains("<title>age × workclass: "))
        XCTAssertFalse(chart.contains("<title>age × age: "))
        // The first column heads only a column of cells, the last only a row, the others both.
        let drawn = labels.map { $0.count > 14 ? String($0.prefix(13)) + "…" : $0 }
        XCTAssertEqual(drawn.map { chart.components(separatedBy: ">\($0)</text>").count - 1 }, [1, 2, 2, 2, 1])
        XCTAssertEqual(drawn.last, "a-very-long-c…")
        let page = EvaluationHTML.page(try report(), title: "t")
        XCTAssertEqual(page.components(separatedBy: "class=\"cell\"").count - 1, 2 * 3, "two heat maps of 3 columns")
    }

    /// Every glossary term is defined once, marked at its first use.
    func testEveryTermIsDefined() throws {
        let page = EvaluationHTML.page(try report(), title: "t")
        for term in ReportGlossary.terms {
            let escaped = term.name.replacingOccurrences(of: "&", with: "&amp;")
            XCTAssertEqual(page.components(separatedBy: "<dt>\(escaped)</dt>").count - 1, 1, term.name)
            XCTAssertTrue(page.contains("\">\(escaped)</abbr>"), term.name)
        }
        // TSTR is defined in the verdict, before the figures.
        let definition = try XCTUnwrap(page.range(of: "<dt>TSTR</dt>")), figures = try XCTUnwrap(page.range(of: "<h2>All figures"))
        XCTAssertLessThan(definition.lowerBound, figures.lowerBound)
    }

    /// The context names each file with its rows read and kept, the release, the date (UTC, ISO
    /// 8601) and the machine, after the verdict and before the figures.
    func testContextNamesFilesRowsVersionDateMachine() throws {
        let context = ReportContext(
            tables: [.init(role: "real training rows", path: "data/adult_train.csv", rowsRead: 32561, rowsKept: 30162),
                     .init(role: "real test rows", path: "data/adult_test.csv", rowsRead: 16281, rowsKept: 15060),
                     .init(role: "synthetic rows", path: "rows.csv", rowsRead: 32561, rowsKept: 32561)],
            schema: "schema.json", checkpoint: "ck", target: "y", sensitive: "sex (from the schema)",
            date: Date(timeIntervalSince1970: 86400), machine: MachineDescription(processor: "AMD EPYC", cores: 2, system: "Debian GNU/Linux 12"))
        let page = EvaluationHTML.page(try report(), title: "t", context: context)
        for text in ["data/adult_train.csv", "32,561", "30,162", "data/adult_test.csv", "16,281", "15,060", "rows.csv", "schema.json",
                     "tablm \(TablmVersion.string)", "1970-01-02T00:00:00Z", "AMD EPYC, 2 cores, Debian GNU/Linux 12", "groups by sex (from the schema)"] {
            XCTAssertTrue(page.contains(text), text)
        }
        let verdict = try XCTUnwrap(page.range(of: "class=\"verdict\"")), run = try XCTUnwrap(page.range(of: "<h2>This run")),
            figures = try XCTUnwrap(page.range(of: "<h2>All figures"))
        XCTAssertLessThan(verdict.lowerBound, run.lowerBound)
        XCTAssertLessThan(run.lowerBound, figures.lowerBound)
    }

    func testMachineDescriptionReadsProcAndOSRelease() {
        XCTAssertEqual(MachineDescription.processorModel(cpuinfo: "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n"), "AMD EPYC 7B13")
        XCTAssertEqual(MachineDescription.processorModel(cpuinfo: "processor\t: 0\nCPU part\t: 0xd0c\n"), "0xd0c")
        XCTAssertNil(MachineDescription.processorModel(cpuinfo: ""))
        XCTAssertEqual(MachineDescription.operatingSystem(osRelease: "NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"), "Debian GNU/Linux 12 (bookworm)")
        XCTAssertGreaterThan(MachineDescription.current.cores, 0)
    }

    /// A few synthetic losses of 86,340 where the real maximum is 2,489 drive the Fréchet distance:
    /// the report names the column, both maxima and the rows above, counted here.
    func testOutliersThatDriveTheFrechetDistanceAreNamed() throws {
        let schema = Schema(columns: [.integer("loss", min: 0, max: 100000), .categorical("y", ["no", "yes"])], source: .public)
        var generator = SplitMix64(seed: 9)
        func rows(_ count: Int) -> [Row] {
            (0..<count).map { i in
                let loss: Int64 = i % 10 == 0 ? Int64.random(in: 1000...2489, using: &generator) : 0
                return [.number(loss), .category(Double.random(in: 0..<1, using: &generator) < 0.3 ? "yes" : "no")]
            }
        }
        let train = rows(300) + [[.number(2489), .category("no")]]
        var synthetic = rows(300)
        for i in [3, 50, 150] { synthetic[i][0] = .number(86340) }
        let report = try Evaluation.run(schema: schema, train: train, test: rows(100), synthetic: synthetic, syntheticTotal: 300,
                                        target: "y", sensitive: nil, privacy: nil, comparedRows: 50)
        let loss = try XCTUnwrap(report.ranges.first)
        XCTAssertEqual(loss.column, "loss")
        XCTAssertEqual(loss.realMaximum, 2489)
        XCTAssertEqual(loss.syntheticMaximum, 86340)
        XCTAssertEqual(loss.rowsAbove, 3)
        XCTAssertEqual(loss.rowsBelow, 0)
        let words = try XCTUnwrap(EvaluationHTML.frechetDrivers(report))
        XCTAssertTrue(words.contains("loss (on its own") && words.contains("up to 86,340 where the real maximum is 2,489, 3 rows above it"), words)
        XCTAssertTrue(EvaluationHTML.page(report, title: "t").contains("up to 86,340 where the real maximum is 2,489"))
        // The chart's last bin closes at the largest value either table holds.
        XCTAssertTrue(try XCTUnwrap(report.histograms.first?.bins.last).hasSuffix(", 86340]"))
    }

    /// A TSTR classifier that selects no row (or every row) of a group carries a caveat exactly for
    /// the groups whose reported selection rate is 0 or 1.
    func testAGroupNeverSelectedCarriesACaveat() throws {
        let report = try ReportTestsFixture.report(syntheticBias: 0.3)
        let fairness = try XCTUnwrap(report.fairness)
        let boosted = report.caveats.filter { $0.kind == .groupSelection && $0.classifier == "boosted trees" }
        let extreme = fairness.groups.filter { $0.tstr!.selection == 0 || $0.tstr!.selection == 1 }
        XCTAssertFalse(extreme.isEmpty, "the fixture's synthetic rows give women a 0.3 rate: the trees select none")
        XCTAssertEqual(boosted.count, extreme.count)
        for group in extreme {
            XCTAssertTrue(boosted.contains { $0.message.contains("test row of group \(group.group) (selection rate") }, group.group)
        }
        let page = EvaluationHTML.page(report, title: "t")
        XCTAssertTrue(page.contains("Read this first"))
    }

    /// `evaluate` without --target or --sensitive takes the schema's; a schema without a target is
    /// refused with the option's name.
    func testEvaluateRunTakesTheSchemasTargetAndSensitive() throws {
        let folder = try Fixtures.scratchFolder(self)
        let lines = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let train = try Fixtures.write(lines.prefix(151).joined(separator: "\n") + "\n", named: "train.csv", in: folder)
        let test = try Fixtures.write(([lines[0]] + lines.dropFirst(151).prefix(100)).joined(separator: "\n") + "\n", named: "test.csv", in: folder)
        let schemaPath = Fixtures.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        var request = EvaluateRequest(train: train, test: test, synthetic: train, schema: schemaPath)
        request.html = folder.appendingPathComponent("report.html").path
        let report = try EvaluateRun.run(request)
        XCTAssertEqual(report.target, "income")
        XCTAssertEqual(report.fairness?.sensitive, "sex")
        let page = try String(contentsOfFile: request.html!, encoding: .utf8)
        for text in ["train.csv", "test.csv", ">150<", ">100<", "groups by sex (from the schema)", "tablm \(TablmVersion.string)"] {
            XCTAssertTrue(page.contains(text), text)
        }
        var schema = try SchemaFile.load(path: schemaPath)
        schema.target = nil
        let bare = folder.appendingPathComponent("bare.json").path
        try SchemaFile.save(schema, to: bare)
        XCTAssertThrowsError(try EvaluateRun.run(EvaluateRequest(train: train, test: test, synthetic: train, schema: bare))) { error in
            XCTAssertEqual(error as? OptionError, OptionError("--target is needed: the schema names no target column"))
        }
    }
}
