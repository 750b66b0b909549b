#!/bin/bash
# bash test/bench/gpu-packs.sh [PACKS] — makes the packs test/bench/gpu-lease.sh unpacks on a
# lent GPU machine without network (default PACKS: .dev, which .gitignore keeps out). Needs
# `npm ci` done, xz, Debian's apt-get after `apt-get update` (to download packages), and
# PYTHON (default python3) with torch, transformers, onnx and onnxruntime for
# fixtures/generate_hf_layouts.py. About 52 MB in all: the device tool carries at most 64 MiB
# with the repository's own ~11 MiB, which is why ffprobe stays behind (its answers are
# recorded instead) and the model weights are tiled.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
packs=$(mkdir -p "${1:-.dev}" && cd "${1:-.dev}" && pwd)
python=${PYTHON:-python3}
npm run build --silent

xz -T0 -9e -c "$(command -v node)" >"$packs/node.xz"
tar -cf - --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' --exclude='node_modules/typescript' --exclude='node_modules/@types' \
  --exclude='node_modules/protobufjs/cli' --exclude='node_modules/@img' --exclude='node_modules/@ffprobe-installer/linux-x64/ffprobe' \
  --exclude='node_modules/@ffmpeg-installer/linux-x64/ffmpeg' node_modules | xz -T0 -9 >"$packs/nm.tar.xz"
xz -T0 -9 -c node_modules/@ffmpeg-installer/linux-x64/ffmpeg >"$packs/ffmpeg.xz"
tar -cf - dist | xz -9 >"$packs/dist.tar.xz"

models=$(mktemp -d)
"$python" fixtures/generate_hf_layouts.py --vit-s "$models" --tile 512 >/dev/null
node bin/dino-track.js models quantize "$models/model.onnx" -o "$models/model-ours-int8.onnx"
mkdir -p "$packs/models"
for name in model model_fp16 model_quantized model-ours-int8; do xz -9 -c "$models/$name.onnx" >"$packs/models/$name.onnx.xz"; done
rm -rf "$models"

# ffprobe's answers for the videos gpu.js makes (named by length), recorded on CPU runs of a tiny model.
rm -f "$packs/ffprobe-answers.json"
for frames in 128 500; do
  FFPROBE_PATH=$root/test/bench/ffprobe-replay.js FFPROBE_RECORD=$packs/ffprobe-answers.json \
    FFPROBE_REAL=$root/node_modules/@ffprobe-installer/linux-x64/ffprobe \
    node test/bench/gpu.js --frames 8 --e2e-frames "$frames" --cpu fixtures/models/designed-p16.onnx >/dev/null
done

mkdir -p "$packs/debs"
(cd "$packs/debs" && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2)
du -sh "$packs"
