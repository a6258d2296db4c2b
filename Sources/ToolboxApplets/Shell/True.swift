import ToolboxCore

let trueApplet = Applet(spec: AppletSpec(
    name: "true", summary: "Do nothing, successfully (exit 0)", usage: ["[ignored...]"], options: []),
    run: { _, _ in ExitCode.success })
