import Glibc
import OCISpec
import RuntimeCore

// swiftrun: the CLI is a thin, synchronous layer over RuntimeCore. No threads are ever
// started in this process (namespaces need a single-threaded caller).

let version = "0.1.0"
let usage = """
    swiftrun \(version): OCI runtime-spec container runtime (runc-compatible CLI)

    usage: swiftrun [global options] COMMAND [options] [args]

    commands:
      create   create a container          run      create and start a container
      start    start a created container   state    output the state of a container
      kill     send a signal to the init   delete   delete a container
      list     list containers             ps       processes running in a container
      pause    freeze all processes        resume   thaw a paused container
      exec     run a process in a container
      update   update cgroup resources     events   stats and OOM events
      spec     write a default config.json features show what this runtime supports

    global options:
      --root DIR          state directory (default /run/swiftrun)
      --log FILE          log file (errors are also written to stderr)
      --log-format FMT    text (default) or json
      --debug             debug logging
    """

var logger = Logger()

func run(_ argv: [String]) throws -> Int32 {
    // Global flags stop at the command name.
    let g = try parseFlags(argv.dropFirst(), Flags.global, stopAtPositional: true)
    logger.path = g.value("log")
    logger.json = g.value("log-format") == "json"
    logger.debug = g.bool("debug")
    if let f = g.value("log-format"), f != "json" && f != "text" {
        throw UsageError(description: "--log-format: unknown format \"\(f)\" (text or json)")
    }
    if g.has("version") {
        printOut("swiftrun version \(version)\nspec: 1.3.0")
        return 0
    }
    guard let cmd = g.positionals.first, !g.has("help") else {
        printOut(usage)
        return g.has("help") ? 0 : 1
    }
    let rest = g.positionals.dropFirst()
    let runtime = Runtime(root: g.value("root") ?? "/run/swiftrun")
    runtime.warn = { logger.warn($0) }

    func one(_ p: ParsedArgs, _ what: String = "container id") throws -> String {
        guard p.positionals.count == 1 else {
            throw UsageError(description: "\(cmd): requires exactly 1 argument (\(what)), got \(p.positionals.count)")
        }
        return p.positionals[0]
    }
    func preserveFds(_ p: ParsedArgs) throws -> Int32 {
        guard let n = p.value("preserve-fds") else { return 0 }
        guard let v = Int32(n), v >= 0 else { throw UsageError(description: "--preserve-fds: invalid number \"\(n)\"") }
        return v
    }
    func createOptions(_ p: ParsedArgs) throws -> CreateOptions {
        var o = CreateOptions()
        o.bundle = p.value("bundle") ?? "."
        o.pidFile = p.value("pid-file")
        o.consoleSocket = p.value("console-socket")
        o.noPivot = p.bool("no-pivot")
        o.noNewKeyring = p.bool("no-new-keyring")
        o.preserveFds = try preserveFds(p)
        return o
    }

    switch cmd {
    case "create":
        let p = try parseFlags(rest, Flags.create)
        try runtime.create(id: try one(p), options: try createOptions(p))
    case "run":
        let p = try parseFlags(rest, Flags.run)
        return try runtime.run(id: try one(p), options: try createOptions(p), detach: p.bool("detach"), keep: p.bool("keep"))
    case "start":
        try runtime.start(id: try one(try parseFlags(rest, Flags.none)))
    case "state":
        let id = try one(try parseFlags(rest, Flags.none))
        printOut(try stateJSON(runtime, id))
    case "kill":
        let p = try parseFlags(rest, Flags.kill)
        guard (1...2).contains(p.positionals.count) else {
            throw UsageError(description: "kill: usage: swiftrun kill [--all] <container-id> [signal]")
        }
        let sig = try parseSignal(p.positionals.count == 2 ? p.positionals[1] : "TERM")
        try runtime.kill(id: p.positionals[0], signal: sig, all: p.bool("all"))
    case "delete":
        let p = try parseFlags(rest, Flags.delete)
        try runtime.delete(id: try one(p), force: p.bool("force"))
    case "list":
        let p = try parseFlags(rest, Flags.list)
        try list(runtime, format: p.value("format") ?? "table", quiet: p.bool("quiet"))
    case "pause", "resume":
        let id = try one(try parseFlags(rest, Flags.none))
        if cmd == "pause" { try runtime.pause(id: id) } else { try runtime.resume(id: id) }
    case "ps":
        let p = try parseFlags(rest, Flags.ps, stopAtPositional: true)
        guard let id = p.positionals.first else { throw UsageError(description: "ps: requires a container id") }
        let pids = try runtime.pids(id: id)
        if p.value("format") == "json" {
            printOut("[" + pids.map(String.init).joined(separator: ",") + "]")
        } else {
            try psTable(pids: pids, psArgs: Array(p.positionals.dropFirst()))
        }
    case "spec":
        let p = try parseFlags(rest, Flags.spec)
        try writeSpec(bundle: p.value("bundle") ?? ".", rootless: p.bool("rootless"))
    case "features":
        _ = try parseFlags(rest, Flags.none)
        printOut(Runtime.featuresJSON())
    case "exec":
        let p = try parseFlags(rest, Flags.exec, stopAtPositional: true)
        if p.has("help") {
            printOut("usage: swiftrun exec [options] <container-id> <command> [args...]  ||  swiftrun exec -p process.json <container-id>")
            return 0
        }
        guard let id = p.positionals.first else { throw UsageError(description: "exec: requires a container id") }
        var o = ExecOptions()
        o.args = Array(p.positionals.dropFirst())
        o.processFile = p.value("process")
        o.cwd = p.value("cwd")
        o.env = p.all("env")
        o.tty = p.bool("tty")
        o.user = p.value("user")
        o.additionalGids = p.all("additional-gids")
        o.caps = p.all("cap")
        o.noNewPrivs = p.has("no-new-privs") ? p.bool("no-new-privs") : nil
        o.apparmor = p.value("apparmor")
        o.processLabel = p.value("process-label")
        o.detach = p.bool("detach")
        o.pidFile = p.value("pid-file")
        o.consoleSocket = p.value("console-socket")
        o.ignorePaused = p.bool("ignore-paused")
        o.subCgroups = p.all("cgroup")
        o.preserveFds = try preserveFds(p)
        do {
            return try runtime.exec(id: id, options: o)
        } catch {
            // runc: "exec failed: ..." and status 255, told apart from the process's own codes.
            logger.error("exec failed: \(error)")
            return 255
        }
    case "update":
        return try updateCommand(runtime, rest)
    case "events":
        return try eventsCommand(runtime, rest)
    case "checkpoint", "restore":
        throw UsageError(description: "\(cmd): not supported by swiftrun yet")
    case "help":
        printOut(usage)
    default:
        throw UsageError(description: "unknown command \"\(cmd)\" (see swiftrun --help)")
    }
    return 0
}

do {
    exit(try run(CommandLine.arguments))
} catch {
    logger.error("\(error)")
    exit(1)
}
