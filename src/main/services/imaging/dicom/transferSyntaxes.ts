// Which transfer syntaxes we read, and how their pixel data is encoded.

export type PixelEncoding = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000';

interface TransferSyntax {
  name: string;
  /** Absent when we recognise the syntax but cannot decode it. */
  encoding?: PixelEncoding;
}

const transferSyntaxes: Record<string, TransferSyntax> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', encoding: 'native' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', encoding: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', encoding: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.57': {
    name: 'JPEG Lossless, Non-Hierarchical (Process 14)',
    encoding: 'jpeg-lossless',
  },
  '1.2.840.10008.1.2.4.70': {
    name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
    encoding: 'jpeg-lossless',
  },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Lossy (Near-Lossless)', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Image Compression (Lossless Only)', encoding: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000 Image Compression', encoding: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 (Lossless Only)', encoding: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.202': {
    name: 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
    encoding: 'jpeg-2000',
  },
  '1.2.840.10008.1.2.4.203': { name: 'High-Throughput JPEG 2000', encoding: 'jpeg-2000' },
  '1.2.840.10008.1.2.1.98': { name: 'Encapsulated Uncompressed Explicit VR Little Endian' },
  '1.2.840.10008.1.2.4.52': { name: 'JPEG Extended (Process 3 & 5) (retired)' },
  '1.2.840.10008.1.2.4.53': { name: 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (retired)' },
  '1.2.840.10008.1.2.4.55': { name: 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (retired)' },
  '1.2.840.10008.1.2.4.92': { name: 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)' },
  '1.2.840.10008.1.2.4.93': { name: 'JPEG 2000 Part 2 Multi-component Image Compression' },
  '1.2.840.10008.1.2.4.94': { name: 'JPIP Referenced' },
  '1.2.840.10008.1.2.4.95': { name: 'JPIP Referenced Deflate' },
  '1.2.840.10008.1.2.4.100': { name: 'MPEG2 Main Profile / Main Level' },
  '1.2.840.10008.1.2.4.101': { name: 'MPEG2 Main Profile / High Level' },
  '1.2.840.10008.1.2.4.102': { name: 'MPEG-4 AVC/H.264 High Profile / Level 4.1' },
  '1.2.840.10008.1.2.4.103': { name: 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1' },
  '1.2.840.10008.1.2.4.104': { name: 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video' },
  '1.2.840.10008.1.2.4.105': { name: 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video' },
  '1.2.840.10008.1.2.4.106': { name: 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2' },
  '1.2.840.10008.1.2.4.107': { name: 'HEVC/H.265 Main Profile / Level 5.1' },
  '1.2.840.10008.1.2.4.108': { name: 'HEVC/H.265 Main 10 Profile / Level 5.1' },
  '1.2.840.10008.1.2.4.110': { name: 'JPEG XL Lossless' },
  '1.2.840.10008.1.2.4.111': { name: 'JPEG XL JPEG Recompression' },
  '1.2.840.10008.1.2.4.112': { name: 'JPEG XL' },
};

export function transferSyntaxName(uid: string): string {
  return transferSyntaxes[uid]?.name ?? 'unknown transfer syntax';
}

/** How pixel data of this syntax is encoded, or undefined when we cannot decode it. */
export function pixelEncoding(uid: string): PixelEncoding | undefined {
  return transferSyntaxes[uid]?.encoding;
}

export const bigEndianTransferSyntax = '1.2.840.10008.1.2.2';
