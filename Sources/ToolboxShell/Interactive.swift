import ToolboxCore

// Interactive use on a terminal: prompt, line editor, history, job control.

extension Shell {
    func runInteractive() -> Int32 {
        let input = FdInput(.standardInput)
        input.byteAtATime = true
        return runTop(Parser([], refill: { input.read() }))
    }

    func saveHistory() {}
}
