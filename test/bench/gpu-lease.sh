#!/bin/bash
# bash test/bench/gpu-lease.sh [PACKS] — test/bench/gpu.js (or GPU_BENCH_CMD) on a lent GPU
# machine that has the GPU driver but no network, no Node and no ffmpeg: everything it needs
# travels in PACKS (default .dev), which test/bench/gpu-packs.sh makes:
#   node.xz, nm.tar.xz (node_modules for linux-x64), ffmpeg.xz, dist.tar.xz,
#   models/*.onnx.xz (random ViT-S/16 with tiled weights: timing only),
#   ffprobe-answers.json (test/bench/ffprobe-replay.js's recording for the benches' videos),
#   debs/*.deb (Debian's Vulkan loader and glvnd libraries, which WebGPU needs beside the
#   NVIDIA driver: with the loader alone Vulkan found no driver).
# It unpacks those packages into / (dpkg -x) and runs ldconfig: run it only on a machine that
# is given back afterwards, never on your own. Writes the log to $OUT/gpu-lease.log (or
# /tmp/gpu-lease). GPU_BENCH_CMD replaces the bench command; it may use $m, the folder of the
# unpacked models. The commands behind the README's GPU figures are listed there.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
packs=$(cd "${1:-$root/.dev}" && pwd) || exit 2
cd "$root" || exit 2
out=${OUT:-/tmp/gpu-lease}
tools=/tmp/gpu-lease-tools
mkdir -p "$out" "$tools/bin" "$tools/models"
exec > >(tee "$out/gpu-lease.log") 2>&1
step() { echo "== [${SECONDS}s] $*"; }

step machine
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.sm --format=csv,noheader 2>&1
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
ls /dev/dri /dev/nvidia* 2>&1 | tr '\n' ' '; echo

step "Vulkan loader (WebGPU's Dawn runs on Vulkan)"
# The NVIDIA Vulkan driver (libGLX_nvidia) needs glvnd's libraries beside the loader.
for deb in "$packs"/debs/*.deb; do [ -f "$deb" ] && dpkg -x "$deb" /; done
ldconfig
ldconfig -p | grep -E 'libvulkan.so.1|libGLdispatch|libGLX_nvidia.so.0' | sed 's/^\s*//'
nvidia_glx=$(ldconfig -p | grep -m1 'libGLX_nvidia.so.0' | awk '{print $NF}')
[ -n "$nvidia_glx" ] && ldd "$nvidia_glx" | grep 'not found'
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"

step node
if ! command -v node >/dev/null; then
  xz -dc "$packs/node.xz" >"$tools/bin/node" && chmod +x "$tools/bin/node"
  export PATH=$tools/bin:$PATH
fi
node -v
[ -d node_modules ] || tar -xJf "$packs/nm.tar.xz"
[ -d dist ] || tar -xJf "$packs/dist.tar.xz"

step ffmpeg
if command -v ffmpeg >/dev/null; then
  echo "system ffmpeg: $(command -v ffmpeg)"
else
  xz -dc "$packs/ffmpeg.xz" >"$tools/bin/ffmpeg" && chmod +x "$tools/bin/ffmpeg"
  export FFMPEG_PATH=$tools/bin/ffmpeg
  echo "npm-shipped ffmpeg, carried"
fi
if command -v ffprobe >/dev/null; then
  echo "system ffprobe: $(command -v ffprobe)"
else
  export FFPROBE_PATH=$root/test/bench/ffprobe-replay.js FFPROBE_REPLAY=$packs/ffprobe-answers.json
  echo "no ffprobe: its recorded answers replayed (test/bench/ffprobe-replay.js)"
fi

step models
for file in "$packs"/models/*.xz; do
  name=$(basename "$file" .xz)
  xz -dc "$file" >"$tools/models/$name"
  echo "$name $(stat -c %s "$tools/models/$name") bytes"
done

step "onnxruntime in the machine's Python (for comparison)"
python3 -c 'import onnxruntime as o; print(o.__version__, o.get_available_providers())' 2>&1 | tail -1

step "CUDA provider for onnxruntime-node: its own install step (downloads from outside npm)"
ONNXRUNTIME_NODE_INSTALL=cuda12 timeout 45 node node_modules/onnxruntime-node/script/install.js 2>&1 | tail -4
echo "exit ${PIPESTATUS[0]}; provider libraries now: $(ls node_modules/onnxruntime-node/bin/napi-v6/linux/x64/ | tr '\n' ' ')"

step bench
m=$tools/models
eval "${GPU_BENCH_CMD:-node test/bench/gpu.js --models $m/model.onnx,$m/model_fp16.onnx --frames 256 --e2e-frames 128 --batches 1,8,32 --e2e-batches 1,8 --cpu $m/model.onnx,$m/model-ours-int8.onnx}"
step done
