/**
 * onnxruntime 1.30 reports usage to Microsoft from Linux and macOS too (its 1DS telemetry,
 * on unless `ORT_DISABLE_TELEMETRY=1` is set before the first session), and with it leaves
 * an empty `/tmp/mat-debug-PID.log` for every process that opens a session and a 1.4 MB
 * event store under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` (a first-time user
 * found thousands of those logs on a shared machine). A command-line tool should not report
 * on its users unasked, so the CLI opts out, unless the environment already says either
 * way (`ORT_DISABLE_TELEMETRY=0` keeps onnxruntime's default). It must run before any
 * session opens: onnxruntime reads the variable once, when it starts its telemetry. CLI only:
 * the library leaves the host process's environment alone (README, Library).
 */
export function optOutOfOnnxruntimeTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}
