import ToolboxCore

let gunzipApplet = Applet(spec: AppletSpec(
    name: "gunzip", summary: "Decompress gzip files (gzip -d)",
    usage: ["[-cfkqt] [FILE...]"], details: gzipDetails,
    options: gzipOptions.filter { !"123456789d".contains($0.short ?? " ") }),
    run: { ctx, args in try runGzip(ctx, args, mode: .gunzip) })
