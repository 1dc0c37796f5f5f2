/// Version order, per ecosystem, as each package manager defines it. `compare` returns nil when
/// a string is not a version of that scheme: the matcher then relies on exact listings only,
/// never on a guess.
public enum VersionOrder {
    public static func compare(_ a: String, _ b: String, ecosystem: Ecosystem) -> Int? {
        switch ecosystem {
        case .debian, .ubuntu: return Dpkg.compare(a, b)
        case .alpine, .wolfi: return Apk.compare(a, b)
        case .rpm: return Rpm.compare(a, b)
        case .pypi: return PEP440.compare(a, b)
        case .go: return SemVer.compare(Go.semver(a), Go.semver(b))
        case .npm, .cargo: return SemVer.compare(a, b)
        case .maven: return Maven.compare(a, b)
        }
    }
}

func sign(_ value: Int) -> Int { value < 0 ? -1 : (value > 0 ? 1 : 0) }

/// A run of ASCII digits as a number (`Int("+2")` would accept the sign).
func digits(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int(text)
}

/// Identifiers compared as SemVer and PEP 440 local versions do: numbers numerically, below
/// strings; equal numbers written differently (`01`, `1`) by their text, so the order stays total.
func compareIdentifiers(_ p: Substring, _ q: Substring, numbersFirst: Bool) -> Int {
    switch (digits(p), digits(q)) {
    case let (m?, n?): return m != n ? (m < n ? -1 : 1) : (p == q ? 0 : (p < q ? -1 : 1))
    case (.some, nil): return numbersFirst ? -1 : 1
    case (nil, .some): return numbersFirst ? 1 : -1
    default: return p == q ? 0 : (p < q ? -1 : 1)
    }
}

/// dpkg's order (deb-version(7)): `[epoch:]upstream[-revision]`; in each part, non-digit runs
/// compare with letters before non-letters and `~` before everything (even the end), digit runs
/// numerically.
public enum Dpkg {
    public static func split(_ version: String) -> (epoch: Int, upstream: Substring, revision: Substring)? {
        var rest = Substring(version)
        var epoch = 0
        if let colon = rest.firstIndex(of: ":") {
            guard let parsed = Int(rest[rest.startIndex..<colon]), parsed >= 0 else { return nil }
            epoch = parsed
            rest = rest[rest.index(after: colon)...]
        }
        var revision: Substring = ""
        if let dash = rest.lastIndex(of: "-") {
            revision = rest[rest.index(after: dash)...]
            rest = rest[rest.startIndex..<dash]
        }
        guard let first = rest.first, first.isNumber else { return nil }
        return (epoch, rest, revision)
    }

    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let left = split(a), let right = split(b) else { return nil }
        if left.epoch != right.epoch { return left.epoch < right.epoch ? -1 : 1 }
        let upstream = part(Array(left.upstream.utf8), Array(right.upstream.utf8))
        if upstream != 0 { return upstream }
        return part(Array(left.revision.utf8), Array(right.revision.utf8))
    }

    static func order(_ byte: UInt8?) -> Int {
        guard let byte else { return 0 }
        if byte == UInt8(ascii: "~") { return -1 }
        if (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) { return Int(byte) }
        if byte >= 0x30 && byte <= 0x39 { return 0 }
        return Int(byte) + 256
    }

    static func part(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0
        var j = 0
        let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
        while i < a.count || j < b.count {
            var difference = 0
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let ac = order(i < a.count ? a[i] : nil)
                let bc = order(j < b.count ? b[j] : nil)
                if ac != bc { return ac < bc ? -1 : 1 }
                i += 1
                j += 1
            }
            while i < a.count && a[i] == 0x30 { i += 1 }
            while j < b.count && b[j] == 0x30 { j += 1 }
            while i < a.count && isDigit(a[i]) && j < b.count && isDigit(b[j]) {
                if difference == 0 { difference = Int(a[i]) - Int(b[j]) }
                i += 1
                j += 1
            }
            if i < a.count && isDigit(a[i]) { return 1 }
            if j < b.count && isDigit(b[j]) { return -1 }
            if difference != 0 { return sign(difference) }
        }
        return 0
    }
}

/// apk-tools' order: dotted numbers, an optional letter, suffixes (`_alpha` `_beta` `_pre` `_rc`
/// before the release; `_cvs` `_svn` `_git` `_hg` `_p` after), then `-rN`.
public enum Apk {
    enum Token: Equatable {
        case number(String)
        case letter(Character)
        case suffix(Int, String)
        case revision(Int)
        case end
    }

    static let suffixes: [String: Int] = ["alpha": -4, "beta": -3, "pre": -2, "rc": -1, "cvs": 1, "svn": 2, "git": 3, "hg": 4, "p": 5]

    static func tokens(_ version: String) -> [Token]? {
        var tokens: [Token] = []
        let characters = Array(version)
        var index = 0
        func number() -> String? {
            let start = index
            while index < characters.count, characters[index].isASCII, characters[index].isNumber { index += 1 }
            return start == index ? nil : String(characters[start..<index])
        }
        guard let first = number() else { return nil }
        tokens.append(.number(first))
        while index < characters.count {
            let character = characters[index]
            if character == "." {
                index += 1
                guard let next = number() else { return nil }
                tokens.append(.number(next))
            } else if character.isASCII, character.isLetter, character.isLowercase, tokens.last.map({ if case .number = $0 { return true } else { return false } }) == true {
                tokens.append(.letter(character))
                index += 1
            } else if character == "_" {
                index += 1
                let start = index
                while index < characters.count, characters[index].isLetter { index += 1 }
                let name = String(characters[start..<index])
                guard let rank = suffixes[name] else { return nil }
                tokens.append(.suffix(rank, number() ?? "0"))
            } else if character == "-" {
                index += 1
                guard index < characters.count, characters[index] == "r" else { return nil }
                index += 1
                guard let revision = number().flatMap({ Int($0) }) else { return nil }
                tokens.append(.revision(revision))
            } else if character == "~" {
                // A commit hash after the version (apk's `~hash`): ignored for ordering.
                break
            } else {
                return nil
            }
        }
        return tokens
    }

    static func numeric(_ a: String, _ b: String) -> Int {
        let x = a.drop { $0 == "0" }
        let y = b.drop { $0 == "0" }
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        return x == y ? 0 : (x < y ? -1 : 1)
    }

    public static func compare(_ a: String, _ b: String) -> Int? {
        guard var left = tokens(a), var right = tokens(b) else { return nil }
        let count = max(left.count, right.count)
        left += Array(repeating: .end, count: count - left.count)
        right += Array(repeating: .end, count: count - right.count)
        for (position, (x, y)) in zip(left, right).enumerated() {
            switch (x, y) {
            case (.number(let p), .number(let q)):
                // After the first component, a leading zero makes the number a fraction (apk-tools):
                // 1.02 < 1.1; compared as strings.
                if position > 0, (p.count > 1 && p.hasPrefix("0")) || (q.count > 1 && q.hasPrefix("0")) {
                    if p != q { return p < q ? -1 : 1 }
                    continue
                }
                let c = numeric(p, q)
                if c != 0 { return c }
            case (.letter(let p), .letter(let q)):
                if p != q { return p < q ? -1 : 1 }
            case (.suffix(let p, let pn), .suffix(let q, let qn)):
                if p != q { return p < q ? -1 : 1 }
                let c = numeric(pn, qn)
                if c != 0 { return c }
            case (.revision(let p), .revision(let q)):
                if p != q { return p < q ? -1 : 1 }
            case (.end, .end):
                return 0
            default:
                return rank(x) < rank(y) ? -1 : 1
            }
        }
        return 0
    }

    /// Which kind of token wins where two versions differ in shape (`1.2` vs `1.2.1`, `1.2_rc1` vs `1.2`).
    static func rank(_ token: Token) -> Int {
        switch token {
        case .suffix(let rank, _) where rank < 0: return 0
        case .end: return 1
        case .revision: return 2
        case .suffix: return 3
        case .letter: return 4
        case .number: return 5
        }
    }
}

/// rpmvercmp, with `[epoch:]version[-release]`.
public enum Rpm {
    public static func compare(_ a: String, _ b: String) -> Int? {
        func split(_ text: String) -> (Int, String, String) {
            var rest = Substring(text)
            var epoch = 0
            if let colon = rest.firstIndex(of: ":"), let parsed = Int(rest[rest.startIndex..<colon]) {
                epoch = parsed
                rest = rest[rest.index(after: colon)...]
            }
            if let dash = rest.lastIndex(of: "-") { return (epoch, String(rest[rest.startIndex..<dash]), String(rest[rest.index(after: dash)...])) }
            return (epoch, String(rest), "")
        }
        let (ea, va, ra) = split(a)
        let (eb, vb, rb) = split(b)
        if ea != eb { return ea < eb ? -1 : 1 }
        let v = vercmp(va, vb)
        if v != 0 || ra.isEmpty || rb.isEmpty { return v }
        return vercmp(ra, rb)
    }

    static func vercmp(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var i = 0
        var j = 0
        let alnum = { (c: UInt8) in (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) }
        let digit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
        while i < x.count || j < y.count {
            while i < x.count && !alnum(x[i]) && x[i] != UInt8(ascii: "~") && x[i] != UInt8(ascii: "^") { i += 1 }
            while j < y.count && !alnum(y[j]) && y[j] != UInt8(ascii: "~") && y[j] != UInt8(ascii: "^") { j += 1 }
            let xt = i < x.count && x[i] == UInt8(ascii: "~")
            let yt = j < y.count && y[j] == UInt8(ascii: "~")
            if xt || yt {
                if !(xt && yt) { return xt ? -1 : 1 }
                i += 1
                j += 1
                continue
            }
            let xc = i < x.count && x[i] == UInt8(ascii: "^")
            let yc = j < y.count && y[j] == UInt8(ascii: "^")
            if xc || yc {
                if i >= x.count { return -1 }
                if j >= y.count { return 1 }
                if !(xc && yc) { return xc ? 1 : -1 }
                i += 1
                j += 1
                continue
            }
            guard i < x.count, j < y.count else { break }
            let numeric = digit(x[i])
            let si = i
            let sj = j
            if numeric {
                while i < x.count && digit(x[i]) { i += 1 }
                while j < y.count && digit(y[j]) { j += 1 }
            } else {
                while i < x.count && alnum(x[i]) && !digit(x[i]) { i += 1 }
                while j < y.count && alnum(y[j]) && !digit(y[j]) { j += 1 }
            }
            if sj == j { return numeric ? 1 : -1 }
            var p = Array(x[si..<i])
            var q = Array(y[sj..<j])
            if numeric {
                p = Array(p.drop { $0 == 0x30 })
                q = Array(q.drop { $0 == 0x30 })
                if p.count != q.count { return p.count < q.count ? -1 : 1 }
            }
            if p != q { return p.lexicographicallyPrecedes(q) ? -1 : 1 }
        }
        if i >= x.count && j >= y.count { return 0 }
        return i >= x.count ? -1 : 1
    }
}

/// Semantic Versioning 2.0.0 (npm, crates.io; Go after `Go.semver`).
public enum SemVer {
    public struct Parsed {
        var numbers: [Int]
        var prerelease: [Substring]
    }

    public static func parse(_ text: String) -> Parsed? {
        var rest = Substring(text)
        if rest.first == "v" || rest.first == "=" { rest = rest.dropFirst() }
        if let plus = rest.firstIndex(of: "+") { rest = rest[rest.startIndex..<plus] }
        var prerelease: [Substring] = []
        if let dash = rest.firstIndex(of: "-") {
            prerelease = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
            rest = rest[rest.startIndex..<dash]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count <= 4 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard let value = Int(part), value >= 0 else { return nil }
            numbers.append(value)
        }
        while numbers.count < 3 { numbers.append(0) }
        return Parsed(numbers: numbers, prerelease: prerelease)
    }

    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let x = parse(a), let y = parse(b) else { return nil }
        for (p, q) in zip(x.numbers, y.numbers) where p != q { return p < q ? -1 : 1 }
        if x.numbers.count != y.numbers.count { return x.numbers.count < y.numbers.count ? -1 : 1 }
        // A pre-release is lower than the release; identifiers compare numerically or in ASCII.
        if x.prerelease.isEmpty || y.prerelease.isEmpty {
            if x.prerelease.isEmpty == y.prerelease.isEmpty { return 0 }
            return x.prerelease.isEmpty ? 1 : -1
        }
        for (p, q) in zip(x.prerelease, y.prerelease) {
            let c = compareIdentifiers(p, q, numbersFirst: true)
            if c != 0 { return c }
        }
        if x.prerelease.count != y.prerelease.count { return x.prerelease.count < y.prerelease.count ? -1 : 1 }
        return 0
    }
}

/// Go versions: modules are `vX.Y.Z[-pre]` (OSV writes them without the `v`); the toolchain is
/// `go1.19.8`, `go1.21rc2`, `go1.20` (the `stdlib` pseudo-module).
public enum Go {
    public static func semver(_ text: String) -> String {
        var value = text
        if value.hasPrefix("go") { value.removeFirst(2) }
        if value.hasPrefix("v") { value.removeFirst() }
        // go1.21rc2 → 1.21.0-rc2; go1.9beta1 → 1.9.0-beta1.
        for marker in ["rc", "beta", "alpha"] {
            if let range = value.firstRange(of: marker), !value.contains("-") {
                let base = String(value[value.startIndex..<range.lowerBound])
                let parts = base.split(separator: ".")
                let padded = parts.count < 3 ? (parts.map(String.init) + Array(repeating: "0", count: 3 - parts.count)).joined(separator: ".") : base
                return padded + "-" + value[range.lowerBound...]
            }
        }
        return value
    }
}

/// PEP 440: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the normalisations it allows
/// (`alpha`, `c`, `pre`, `preview`, `-`/`_` separators, implicit numbers, `rev`/`r` for post).
public enum PEP440 {
    struct Parsed {
        var epoch = 0
        var release: [Int] = []
        var pre: (Int, Int)?
        var post: Int?
        var dev: Int?
        var local: [Substring] = []
    }

    static func parse(_ text: String) -> Parsed? {
        var s = Substring(text.lowercased().trimmingWhitespace)
        if s.first == "v" { s = s.dropFirst() }
        var result = Parsed()
        if let plus = s.firstIndex(of: "+") {
            result.local = s[s.index(after: plus)...].split(separator: ".", omittingEmptySubsequences: false)
                .flatMap { $0.split(separator: "-", omittingEmptySubsequences: false) }.flatMap { $0.split(separator: "_", omittingEmptySubsequences: false) }
            guard !result.local.isEmpty, result.local.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }) else { return nil }
            s = s[s.startIndex..<plus]
        }
        if let bang = s.firstIndex(of: "!") {
            guard let epoch = Int(s[s.startIndex..<bang]) else { return nil }
            result.epoch = epoch
            s = s[s.index(after: bang)...]
        }
        // Release: digits and dots.
        var index = s.startIndex
        var current = ""
        while index < s.endIndex, s[index].isNumber || s[index] == "." {
            if s[index] == "." {
                // A dot followed by no digit ends the release (`1.0.post1`).
                let next = s.index(after: index)
                guard next < s.endIndex, s[next].isNumber else { break }
                guard let value = Int(current) else { return nil }
                result.release.append(value)
                current = ""
            } else {
                current.append(s[index])
            }
            index = s.index(after: index)
        }
        guard let last = Int(current) else { return nil }
        result.release.append(last)
        var rest = s[index...]
        func separator() { if let first = rest.first, ".-_".contains(first) { rest = rest.dropFirst() } }
        func number() -> Int? {
            separator()
            let digits = rest.prefix { $0.isNumber }
            rest = rest.dropFirst(digits.count)
            return digits.isEmpty ? nil : Int(digits)
        }
        func take(_ words: [String]) -> String? {
            let saved = rest
            separator()
            for word in words where rest.hasPrefix(word) {
                rest = rest.dropFirst(word.count)
                return word
            }
            rest = saved
            return nil
        }
        if let word = take(["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"]) {
            let kind = ["alpha": 0, "a": 0, "beta": 1, "b": 1, "rc": 2, "c": 2, "pre": 2, "preview": 2][word] ?? 2
            result.pre = (kind, number() ?? 0)
        }
        if take(["post", "rev", "r"]) != nil {
            result.post = number() ?? 0
        } else if rest.first == "-", rest.dropFirst().first?.isNumber == true {
            rest = rest.dropFirst()
            result.post = number()
        }
        if take(["dev"]) != nil { result.dev = number() ?? 0 }
        guard rest.isEmpty else { return nil }
        return result
    }

    public static func isValid(_ text: String) -> Bool { parse(text) != nil }

    public static func compare(_ a: String, _ b: String) -> Int? {
        guard let x = parse(a), let y = parse(b) else { return nil }
        if x.epoch != y.epoch { return x.epoch < y.epoch ? -1 : 1 }
        let count = max(x.release.count, y.release.count)
        for position in 0..<count {
            let p = position < x.release.count ? x.release[position] : 0
            let q = position < y.release.count ? y.release[position] : 0
            if p != q { return p < q ? -1 : 1 }
        }
        // Pre: a dev release with no pre or post sorts before any pre-release.
        func preKey(_ v: Parsed) -> (Int, Int, Int) {
            if let pre = v.pre { return (1, pre.0, pre.1) }
            if v.post == nil, v.dev != nil { return (0, 0, 0) }
            return (2, 0, 0)
        }
        let (p1, p2, p3) = preKey(x)
        let (q1, q2, q3) = preKey(y)
        if (p1, p2, p3) != (q1, q2, q3) { return (p1, p2, p3) < (q1, q2, q3) ? -1 : 1 }
        let xp = x.post.map { $0 + 1 } ?? 0
        let yp = y.post.map { $0 + 1 } ?? 0
        if xp != yp { return xp < yp ? -1 : 1 }
        let xd = x.dev ?? Int.max
        let yd = y.dev ?? Int.max
        if xd != yd { return xd < yd ? -1 : 1 }
        // Local versions sort after the same public version.
        if x.local.isEmpty != y.local.isEmpty { return x.local.isEmpty ? -1 : 1 }
        for (p, q) in zip(x.local, y.local) {
            let c = compareIdentifiers(p, q, numbersFirst: false)
            if c != 0 { return c }
        }
        return x.local.count == y.local.count ? 0 : (x.local.count < y.local.count ? -1 : 1)
    }
}

/// Maven's ComparableVersion, simplified to the common forms: numbers, then qualifiers in the
/// order alpha < beta < milestone < rc < snapshot < release < sp, unknown qualifiers after.
public enum Maven {
    static let qualifiers: [String: Int] = ["alpha": 0, "a": 0, "beta": 1, "b": 1, "milestone": 2, "m": 2, "rc": 3, "cr": 3,
                                            "snapshot": 4, "": 5, "ga": 5, "final": 5, "release": 5, "sp": 6]

    public static func compare(_ a: String, _ b: String) -> Int? {
        // Items split at `.`, `-` and at every change between digits and letters (`beta9` → beta, 9).
        func items(_ text: String) -> [(Int?, String)] {
            var result: [(Int?, String)] = []
            for part in text.lowercased().split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" }) {
                var current = ""
                for character in part {
                    if let last = current.last, last.isNumber != character.isNumber {
                        result.append((Int(current), current))
                        current = ""
                    }
                    current.append(character)
                }
                if !current.isEmpty { result.append((Int(current), current)) }
            }
            return result
        }
        let x = items(a)
        let y = items(b)
        for position in 0..<max(x.count, y.count) {
            let p = position < x.count ? x[position] : (0, "")
            let q = position < y.count ? y[position] : (0, "")
            switch (p.0, q.0) {
            case let (m?, n?): if m != n { return m < n ? -1 : 1 }
            case (.some, nil): return (qualifiers[q.1] ?? 7) < 5 ? 1 : -1
            case (nil, .some): return (qualifiers[p.1] ?? 7) < 5 ? -1 : 1
            default:
                let m = qualifiers[p.1] ?? 7
                let n = qualifiers[q.1] ?? 7
                if m != n { return m < n ? -1 : 1 }
                if m == 7, p.1 != q.1 { return p.1 < q.1 ? -1 : 1 }
            }
        }
        return 0
    }
}
