/** Loads what `syn` needs (Human, face-api, the donor bank) once per thread that asks. */
import { DonorBank } from './donor.bank.ts';
import type { SynContext } from './face.synthesizer.ts';

export async function loadSynContext(): Promise<SynContext> {
  // One after the other: both set up a TensorFlow.js WASM backend.
  // Imported here: loading TensorFlow.js costs every process that never asks for `syn`.
  const { FaceMeshRuntime } = await import('./human.runtime.ts');
  const { FaceApiRuntime } = await import('./face-api.runtime.ts');
  const runtime = await FaceMeshRuntime.load();
  const judge = await FaceApiRuntime.load();
  const bank = await DonorBank.load();
  return { runtime, judge, bank, topology: { triangles: runtime.triangles, uv: runtime.uv } };
}
