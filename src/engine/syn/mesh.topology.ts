/**
 * Named parts of the 468-point face mesh (MediaPipe topology, as used by Human). Indices are
 * facts of the mesh layout; the triangulation and UV map come from Human at run time.
 */

/** The face outline, clockwise from the top of the forehead. */
export const FACE_OVAL: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
  176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/** Inner lip contour: the mouth opening the mesh leaves untriangulated. */
export const INNER_LIPS: readonly number[] = [
  78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
];

/** Points that anchor alignment: eye corners, nose bridge and tip, mouth corners, chin. */
export const ANCHORS: readonly number[] = [33, 133, 362, 263, 168, 1, 61, 291, 152, 10];

export const MESH_POINTS = 468;

/** All lip points, outer and inner: the mouth moves as one piece so its opening is kept. */
export const LIPS: readonly number[] = [
  61,
  185,
  40,
  39,
  37,
  0,
  267,
  269,
  270,
  409,
  291,
  146,
  91,
  181,
  84,
  17,
  314,
  405,
  321,
  375,
  ...INNER_LIPS,
];

/** The two innermost rings around each eye (lids and their folds): open or closed, kept. */
export const RIGHT_EYE: readonly number[] = [
  246, 161, 160, 159, 158, 157, 173, 33, 7, 163, 144, 145, 153, 154, 155, 133, 247, 30, 29, 27, 28,
  56, 190, 130, 25, 110, 24, 23, 22, 26, 112, 243,
];
export const LEFT_EYE: readonly number[] = [
  466, 388, 387, 386, 385, 384, 398, 263, 249, 390, 373, 374, 380, 381, 382, 362, 467, 260, 259,
  257, 258, 286, 414, 359, 255, 339, 254, 253, 252, 256, 341, 463,
];
export const RIGHT_BROW: readonly number[] = [
  156, 70, 63, 105, 66, 107, 55, 193, 35, 124, 46, 53, 52, 65,
];
export const LEFT_BROW: readonly number[] = [
  383, 300, 293, 334, 296, 336, 285, 417, 265, 353, 276, 283, 282, 295,
];

/** Parts whose inner shape is expression (open mouth, closed eyes, raised brows). */
export const EXPRESSION_PARTS: readonly (readonly number[])[] = [
  LIPS,
  RIGHT_EYE,
  LEFT_EYE,
  RIGHT_BROW,
  LEFT_BROW,
];
