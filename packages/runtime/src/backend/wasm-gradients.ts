import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";

/**
 * tfjs-backend-wasm 4.22 cannot train convolutions: it has no `Conv2DBackpropFilter` kernel, and its
 * `Conv2DBackpropInput` is a plain C++ loop. Both gradients are convolutions themselves, so we express
 * them through the backend's own XNNPACK `Conv2D` on transposed tensors and stay inside WebAssembly.
 */

type Pad = backend_util.ExplicitPadding;

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

function kernel(name: string): KernelFunc {
  const config = getKernel(name, "wasm");
  if (config === undefined) throw new Error(`tfjs-backend-wasm has no '${name}' kernel to build gradients on`);
  return config.kernelFunc;
}

function run(name: string, inputs: Record<string, TensorInfo>, backend: WasmBackendLike, attrs: object): TensorInfo {
  return kernel(name)({ inputs, backend: backend as never, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

function transpose(x: TensorInfo, perm: number[], backend: WasmBackendLike): TensorInfo {
  return run("Transpose", { x }, backend, { perm });
}

/*
 * The wasm Transpose kernel walks a generic index loop (4.7M floats of a 64x48x48x32 batch take
 * ~150 ms, five times a copy); these two layouts are the ones the filter gradient needs, written as
 * cache-friendly loops over the WebAssembly heap.
 */

/** [N, H, W, C] -> [C, H, W, N] (perm [3, 1, 2, 0]). */
function toChannelsFirstBatchLast(x: TensorInfo, backend: WasmBackendLike): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = backend.makeOutput([c, h, w, n], "float32");
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const p = h * w;
  for (let q = 0; q < p; q++) {
    for (let b = 0; b < n; b++) {
      const from = (b * p + q) * c;
      let to = q * n + b;
      for (let k = 0; k < c; k++, to += p * n) dst[to] = src[from + k] as number;
    }
  }
  return out;
}

/** [A, H, W, C] -> [H, W, A, C] (perm [1, 2, 0, 3]): moves the first axis behind the spatial ones. */
function firstAxisBehindSpatial(x: TensorInfo, backend: WasmBackendLike): TensorInfo {
  const [a, h, w, c] = x.shape as [number, number, number, number];
  const out = backend.makeOutput([h, w, a, c], "float32");
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const p = h * w;
  for (let i = 0; i < a; i++) {
    for (let q = 0; q < p; q++) dst.set(src.subarray((i * p + q) * c, (i * p + q + 1) * c), (q * a + i) * c);
  }
  return out;
}

function dispose(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-pad, ow*s+kw-pad, ci] * dy[n,oh,ow,co]:
 * a convolution of x (channels as batch, batch as channels) with dy (dilated by the stride) as filter.
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: "valid" | "same" | number | Pad;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
  };
  if (dataFormat !== undefined && dataFormat !== "NHWC") {
    throw new Error("Conv2DBackpropFilter on wasm supports only NHWC");
  }
  const b = backend as unknown as WasmBackendLike;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast",
  );
  const xT = toChannelsFirstBatchLast(x, b); // [Ci, H, W, N]
  const dyT = firstAxisBehindSpatial(dy, b); // [OH, OW, N, Co]
  const explicit: Pad = [[0, 0], [info.padInfo.top, info.padInfo.bottom], [info.padInfo.left, info.padInfo.right], [0, 0]];
  const conv = run("Conv2D", { x: xT, filter: dyT }, b, {
    strides: [1, 1], pad: explicit, dataFormat: "NHWC", dilations: [info.strideHeight, info.strideWidth],
  }); // [Ci, KH', KW', Co] with KH' >= KH when a valid padding leaves rows unused
  dispose(b, xT, dyT);
  let grad = conv;
  const [kh, kw] = filterShape;
  if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
    grad = run("Slice", { x: conv }, b, { begin: [0, 0, 0, 0], size: [conv.shape[0], kh, kw, conv.shape[3]] });
    dispose(b, conv);
  }
  const out = firstAxisBehindSpatial(grad, b); // [KH, KW, Ci, Co]
  dispose(b, grad);
  return out;
};

/** [N, H, W, C] -> [N, (H-1)*sh+1, (W-1)*sw+1, C] with zeros between the rows and columns. */
function dilate(x: TensorInfo, sh: number, sw: number, backend: WasmBackendLike): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [dh, dw] = [(h - 1) * sh + 1, (w - 1) * sw + 1];
  const out = backend.makeOutput([n, dh, dw, c], "float32");
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const from = ((b * h + i) * w + j) * c;
        dst.set(src.subarray(from, from + c), ((b * dh + i * sh) * dw + j * sw) * c);
      }
    }
  }
  return out;
}

/**
 * Wraps the stock kernel: the input gradient becomes one XNNPACK convolution of dy (dilated by the stride when it is
 * above 1) with the flipped filter; the stock scalar loop remains for dilated filters and channels-first data.
 */
function makeConv2DBackpropInput(stock: KernelFunc | undefined): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
      strides: [number, number] | number;
      pad: "valid" | "same" | number | Pad;
      dataFormat: "NHWC" | "NCHW";
      dimRoundingMode?: "floor" | "round" | "ceil";
      inputShape: [number, number, number, number];
    };
    const info = backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false,
      dataFormat === "NCHW" ? "channelsFirst" : "channelsLast",
    );
    if (info.dataFormat !== "channelsLast" || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
      if (stock === undefined) throw new Error("Conv2DBackpropInput: no wasm kernel for this case");
      return stock({ inputs, backend, attrs });
    }
    const b = backend as unknown as WasmBackendLike;
    // A strided convolution's input gradient is the stride-1 one of dy dilated by the stride (zeros between its rows
    // and columns).
    const strided = info.strideHeight !== 1 || info.strideWidth !== 1;
    const grad = strided ? dilate(dy, info.strideHeight, info.strideWidth, b) : dy;
    const [gh, gw] = [grad.shape[1]!, grad.shape[2]!];
    const kh = info.filterHeight;
    const kw = info.filterWidth;
    const flipped = run("Reverse", { x: filter }, b, { dims: [0, 1] });
    const swapped = transpose(flipped, [0, 1, 3, 2], b); // [KH, KW, Co, Ci]
    dispose(b, flipped);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = info.inHeight - gh + kh - 1 - top;
    const right = info.inWidth - gw + kw - 1 - left;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) {
      dispose(b, swapped);
      if (strided) dispose(b, grad);
      if (stock === undefined) throw new Error("Conv2DBackpropInput: no wasm kernel for this padding");
      return stock({ inputs, backend, attrs });
    }
    const out = run("Conv2D", { x: grad, filter: swapped }, b, {
      strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: "NHWC", dilations: [1, 1],
    });
    dispose(b, swapped);
    if (strided) dispose(b, grad);
    return out;
  };
}

/**
 * MaxPoolGrad sending each window's gradient to its first maximum in row-major order, as tfjs's cpu backend,
 * TensorFlow and onnxruntime do (the stock wasm kernel picks the last one, so ties, frequent in the flat regions of
 * real faces, train differently on wasm). A loop over the WebAssembly heap; dilation 1 only (as the stock kernel).
 */
const maxPoolGradFirst: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: "valid" | "same" | number;
    dimRoundingMode?: "floor" | "round" | "ceil";
  };
  const b = backend as unknown as WasmBackendLike;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const dx = b.makeOutput(input.shape, "float32");
  const x = b.typedArrayFromHeap(input);
  const g = b.typedArrayFromHeap(dy);
  const out = b.typedArrayFromHeap(dx);
  out.fill(0);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - left;
        const gBase = ((n * outHeight + oh) * outWidth + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -1;
          let bestValue = -Infinity;
          for (let i = Math.max(h0, 0); i < Math.min(h0 + filterHeight, inHeight); i++) {
            for (let j = Math.max(w0, 0); j < Math.min(w0 + filterWidth, inWidth); j++) {
              const at = ((n * inHeight + i) * inWidth + j) * c + ch;
              if ((x[at] as number) > bestValue) {
                bestValue = x[at] as number;
                best = at;
              }
            }
          }
          if (best >= 0) out[best] = (out[best] as number) + (g[gBase + ch] as number);
        }
      }
    }
  }
  return dx;
};

let registered = false;

/**
 * Registers WebAssembly gradient kernels for convolution training on the `wasm` backend:
 * `Conv2DBackpropFilter` (missing in tfjs-backend-wasm 4.22), a `Conv2DBackpropInput` (any stride) that runs
 * through XNNPACK instead of the stock scalar loop, and a `MaxPoolGrad` that breaks ties as the cpu backend does.
 * Idempotent.
 */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  const stockInput = getKernel("Conv2DBackpropInput", "wasm");
  if (getKernel("Conv2DBackpropFilter", "wasm") === undefined) {
    registerKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: conv2DBackpropFilter });
  }
  if (stockInput !== undefined) unregisterKernel("Conv2DBackpropInput", "wasm");
  const config: KernelConfig = {
    kernelName: "Conv2DBackpropInput",
    backendName: "wasm",
    kernelFunc: makeConv2DBackpropInput(stockInput?.kernelFunc),
  };
  if (stockInput?.setupFunc !== undefined) config.setupFunc = stockInput.setupFunc;
  registerKernel(config);
  if (getKernel("MaxPoolGrad", "wasm") !== undefined) unregisterKernel("MaxPoolGrad", "wasm");
  registerKernel({ kernelName: "MaxPoolGrad", backendName: "wasm", kernelFunc: maxPoolGradFirst });
  registered = true;
}
