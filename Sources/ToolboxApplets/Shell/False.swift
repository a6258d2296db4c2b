import ToolboxCore

let falseApplet = Applet(spec: AppletSpec(
    name: "false", summary: "Do nothing, unsuccessfully (exit 1)", usage: ["[ignored...]"], options: []),
    run: { _, _ in ExitCode.failure })
