// The libFuzzer entry points for every target in
// Tests/ToolboxTests/FuzzTargets/ (compiled together by scripts/fuzz).
// TOOLBOX_FUZZ_TARGET names the target; TOOLBOX_FUZZ_LIST=1 prints
// `name<TAB>seed,seed...` for each target and exits (scripts/fuzz reads it).
import ToolboxCore

nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    if getenv("TOOLBOX_FUZZ_LIST") != nil {
        for t in fuzzTargets { print("\(t.name)\t\(t.seeds.joined(separator: ","))") }
        exit(0)
    }
    guard let name = getenv("TOOLBOX_FUZZ_TARGET").map({ String(cString: $0) }),
          let t = fuzzTargets.first(where: { $0.name == name }) else {
        fputs("toolbox-fuzz: set TOOLBOX_FUZZ_TARGET to one of: \(fuzzTargets.map(\.name).joined(separator: " "))\n", stderr)
        exit(2)
    }
    selectedTarget = t
    signal(SIGPIPE, SIG_IGN)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Bytes(start: size == 0 ? nil : data, count: size)
    _ = selectedTarget!.run(bytes)
    return 0
}
