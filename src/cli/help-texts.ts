/** The longer help texts, apart from the command table so that it stays readable. */

export const programHelp = `
track is the default command: "dino-track in.mp4 -o out.mp4" is "dino-track track in.mp4 -o out.mp4".

Examples:
  dino-track input.mp4 -o out.mp4                          overlay video with tracked masks
  dino-track input.mp4 -o out/ --format davis,coco         per-frame masks for annotation tools
  dino-track batch videos/ -o out/ --format davis --jobs 2 many videos, resumable
  dino-track models list                                   registry models and what is cached
  dino-track eval --pred out/ --gt truth/                  DAVIS J and F, id switches, IDF1

Environment:
  DINO_TRACK_CACHE            model cache folder (default: $XDG_CACHE_HOME/dino-track or ~/.cache/dino-track)
  DINO_TRACK_MODEL_BASE_URL   download origin instead of https://huggingface.co (mirrors)
  FFMPEG_PATH, FFPROBE_PATH   ffmpeg and ffprobe to use (default: on PATH, else the ones shipped in npm)

Exit codes: 0 success, 1 failure (input, model, ffmpeg, disk), 2 bad usage, 130 Ctrl-C, 143 SIGTERM.
`;

export const trackHelp = `
Sizes are written WxH (width x height) unless a flag says otherwise.

Examples:
  dino-track input.mp4 -o out.mp4
  dino-track input.mp4 -o out/ --format davis,coco,mot
  dino-track input.mp4 -o out.mp4 --model vit.onnx --device cpu --progress json
  dino-track input.mp4 -o out/ --format davis --save-features feats.safetensors
  dino-track --features feats.safetensors -o out/ --format davis
  dino-track input.mp4 --init-mask frame0.png -o out/ --format davis
  dino-track input.mp4 --prompts fixes/ -o out/ --format davis   fixes/00042.png: frame 42 as it should be
  dino-track input.mp4 -o - | head -n 3                    ndjson on stdout
`;

export const batchHelp = `
Each input gets one output in OUTPUT: NAME.mp4 (overlay) or a folder NAME/ with the mask formats.
Done inputs are recorded in OUTPUT/.dino-track/done/; a rerun skips them and redoes the rest.

Examples:
  dino-track batch videos/ -o out/ --format davis,coco --jobs 2
  dino-track batch "clips/**/*.mp4" -o out/ --shard $JOB_COMPLETION_INDEX/8
`;

export const prepareHelp = `
--size is HEIGHTxWIDTH (height first), both multiples of the model's patch size.

Example:
  dino-track models prepare model.onnx --size 480x848 -o prepared.onnx
`;

export const quantizeHelp = `
Writes int8 weights (signed, one scale per output column) for every matrix product with a
constant weight; activations are quantized per call. Each attention becomes one
onnxruntime MultiHeadAttention (com.microsoft), which its CPU build runs without the
[heads, N, N] score tensors. Faster on CPU (README, Models).

Examples:
  dino-track models quantize model.onnx -o model-int8.onnx
  dino-track track input.mp4 -o out.mp4 --model model-int8.onnx
`;
