import Glibc
import OCISpec
import RuntimeCore

func stateJSON(_ rt: Runtime, _ id: String) throws -> String {
    try rt.stateDocument(id: id).serialized(pretty: true)
}

func list(_ rt: Runtime, format: String, quiet: Bool) throws {
    let all = rt.list()
    if quiet {
        for c in all { printOut(c.record.id) }
        return
    }
    switch format {
    case "json":
        let items: [JSON] = all.map { c in
            (try? rt.stateDocument(id: c.record.id)) ?? .null
        }
        printOut(JSON.array(items).serialized(pretty: false))
    case "table":
        var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        for c in all {
            rows.append([c.record.id, String(c.status == .stopped ? 0 : c.record.pid), c.status.rawValue,
                         c.record.bundle, c.record.created, c.record.ownerUID == 0 ? "root" : String(c.record.ownerUID)])
        }
        var widths = [Int](repeating: 0, count: 6)
        for r in rows { for (i, f) in r.enumerated() { widths[i] = max(widths[i], f.count) } }
        for r in rows {
            var line = ""
            for (i, f) in r.enumerated() {
                line += i == r.count - 1 ? f : f + String(repeating: " ", count: widths[i] - f.count + 3)
            }
            printOut(line)
        }
    default:
        throw UsageError(description: "list: invalid format \"\(format)\" (table or json)")
    }
}

/// `ps` table: run the host's ps and keep the header plus the container's pids, like runc.
func psTable(pids: [Int32], psArgs: [String]) throws {
    let args = ["ps"] + (psArgs.isEmpty ? ["-ef"] : psArgs)
    var p: [Int32] = [0, 0]
    guard pipe(&p) == 0 else { throw UsageError(description: "ps: pipe failed") }
    let pid = fork()
    if pid == 0 {
        dup2(p[1], 1)
        close(p[0]); close(p[1])
        let argv = args.map { strdup($0) } + [nil]
        execvp("ps", argv)
        _exit(127)
    }
    close(p[1])
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(p[0], &buf, 4096)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    close(p[0])
    var st: Int32 = 0
    waitpid(pid, &st, 0)
    let lines = String(decoding: out, as: UTF8.self).split(separator: "\n")
    guard let header = lines.first else { throw UsageError(description: "ps: no output") }
    let cols = header.split(separator: " ")
    guard let pidCol = cols.firstIndex(of: "PID") else { throw UsageError(description: "ps: no PID column in output") }
    printOut(String(header))
    let set = Set(pids)
    for l in lines.dropFirst() {
        let f = l.split(separator: " ")
        if pidCol < f.count, let v = Int32(f[pidCol]), set.contains(v) { printOut(String(l)) }
    }
}

func writeSpec(bundle: String, rootless: Bool) throws {
    let path = bundle + "/config.json"
    if access(path, F_OK) == 0 { throw UsageError(description: "File \(path) exists. Remove it first") }
    let text = DefaultSpec.json(rootless: rootless) + "\n"
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    if fd < 0 { throw UsageError(description: "spec: cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    _ = text.withCString { write(fd, $0, strlen($0)) }
}
