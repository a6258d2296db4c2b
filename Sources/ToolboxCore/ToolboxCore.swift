// The umbrella: applets (and tests) write `import ToolboxCore` and get every
// layer below, plus Glibc and CShim through ToolboxSystem/Platform.swift.
// This is the module's only source file; code lives in the layer targets
// (see README.md here and docs/architecture.md).
@_exported import ToolboxFormats
@_exported import ToolboxSystem
@_exported import ToolboxArchive
@_exported import ToolboxProc
@_exported import ToolboxNet
@_exported import ToolboxCLI
