import Glibc

/// Signal by name (TERM, SIGTERM, sigkill) or number, as `runc kill` accepts.
let signalNames: [String: Int32] = [
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
    "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17,
    "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
    "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
]

func parseSignal(_ s: String) throws -> Int32 {
    if let n = Int32(s) {
        guard n > 0 && n <= 64 else { throw UsageError(description: "invalid signal \"\(s)\"") }
        return n
    }
    var name = s.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    if let n = signalNames[name] { return n }
    // RTMIN+n / RTMAX-n
    if name.hasPrefix("RTMIN") {
        let rest = name.dropFirst(5)
        if rest.isEmpty { return 34 }
        if rest.hasPrefix("+"), let k = Int32(rest.dropFirst()), 34 + k <= 64 { return 34 + k }
    }
    if name.hasPrefix("RTMAX") {
        let rest = name.dropFirst(5)
        if rest.isEmpty { return 64 }
        if rest.hasPrefix("-"), let k = Int32(rest.dropFirst()), 64 - k >= 34 { return 64 - k }
    }
    throw UsageError(description: "unknown signal \"\(s)\"")
}
