import ToolboxCore
import ToolboxShell

// test and [ share one implementation with the shell's builtins.

let testApplet = Applet(spec: AppletSpec(
    name: "test",
    summary: "Evaluate a conditional expression: exit 0 if true, 1 if false, 2 on error (GNU test)",
    usage: ["EXPRESSION"],
    details: "Operators: ! ( ) -a -o, -n -z = != < >, -eq -ne -lt -le -gt -ge, -e -f -d -h -L -r -w -x -s -b -c -p -S -t -u -g -k -O -G, -nt -ot -ef.",
    options: []), run: { ctx, args in
        testCommand(args, bracket: false, warn: { ctx.err.write("test: \($0)\n") }, dialect: .gnu) })

let bracketApplet = Applet(spec: AppletSpec(
    name: "[",
    summary: "Evaluate a conditional expression ending in ] (as test)",
    usage: ["EXPRESSION ]"],
    details: "The same expressions as test.",
    options: []), run: { ctx, args in
        testCommand(args, bracket: true, warn: { ctx.err.write("[: \($0)\n") }, dialect: .gnu) })
