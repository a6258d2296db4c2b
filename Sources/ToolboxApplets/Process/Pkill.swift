import ToolboxCore

let pkillApplet = Applet(spec: AppletSpec(
    name: "pkill",
    summary: "Signal the processes whose name (or command line) matches PATTERN and the other criteria (procps pkill)",
    usage: ["[-SIGNAL] [OPTION]... [PATTERN]"],
    details: """
    Selects processes exactly as pgrep does (see `toolbox pgrep --help`) and sends
    them SIGNAL (default TERM), given as -SIGNAL anywhere among the arguments or
    as --signal. A process that exits meanwhile is not an error; one that may not
    be signalled is reported. Exit 0 when at least one process was signalled.
    """,
    options: processMatchOptions + [
        .flag("e", "echo", "print the name and PID of each process signalled"),
    ]), run: { ctx, args in try runProcessMatch(ctx, args, kill: true) })
