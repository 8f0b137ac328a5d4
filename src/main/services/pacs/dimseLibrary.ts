// The dcmjs-dimse library as this area uses it: loaded once (silenced, with the hook that keeps each
// received data set's bytes), and the reading of its statuses and element values.
import { createRequire } from 'node:module';
import type * as Dimse from 'dcmjs-dimse';
// dcmjs-dimse is a webpack bundle: Node's ESM loader cannot see its named exports, require can.
const requireCjs = createRequire(import.meta.url);
let library: typeof Dimse | undefined;
/** The bytes of each received C-STORE data set, as they came over the wire, by its parsed Dataset. */
export const receivedBytes = new WeakMap<Dimse.Dataset, { bytes: Uint8Array; transferSyntaxUid: string }>();

interface StoreStreamHook {
  createDatasetFromStoreWritableStream(
    writable: { toBuffer(): Buffer },
    context: Dimse.association.PresentationContext,
    callback: (dataset: Dimse.Dataset) => void,
  ): void;
}

export function dimse(): typeof Dimse {
  if (!library) {
    library = requireCjs('dcmjs-dimse') as typeof Dimse;
    // The library logs every PDU at info level; our messages say what matters.
    library.log.setLevel('silent');
    // Its own copy of dcmjs reports every ambiguous-VR element of implicit-VR traffic ("Invalid vr
    // type xs - using US") on its "validation.dcmjs" logger: normal DIMSE data, not an error.
    const nestedDcmjs = createRequire(requireCjs.resolve('dcmjs-dimse'))('dcmjs') as {
      log: { getLogger(name: string): { setLevel(level: string): void } };
    };
    nestedDcmjs.log.getLogger('validation.dcmjs').setLevel('silent');
    // The library hands received instances over parsed (dcmjs-naturalized); writing them back out
    // through dcmjs would drop private attributes and re-encode pixel data. Its one hook for the raw
    // bytes is on the network base class shared by Scp and Client (C-GET), so it is wrapped there
    // once, to remember each data set's bytes next to the parsed Dataset.
    const network = Object.getPrototypeOf(library.Scp.prototype) as StoreStreamHook;
    const original = network.createDatasetFromStoreWritableStream;
    network.createDatasetFromStoreWritableStream = function (this: unknown, writable, context, callback) {
      original.call(this, writable, context, (dataset) => {
        receivedBytes.set(dataset, {
          bytes: writable.toBuffer(),
          transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
        });
        callback(dataset);
      });
    };
  }
  return library;
}

export const STATUS_TEXT: Record<number, string> = {
  0xa701: 'out of resources (number of matches)',
  0xa702: 'out of resources (sub-operations)',
  0xa801: 'move destination unknown: the archive does not know this workstation’s AE title',
  0xa900: 'identifier does not match SOP class',
  0xc000: 'unable to process',
  0x0122: 'SOP class not supported',
  0x0124: 'not authorized',
  0x0110: 'processing failure',
  0xfe00: 'cancelled',
};

export const REJECT_REASON: Record<number, string> = {
  1: 'no reason given',
  2: 'application context not supported',
  3: 'calling AE title not recognized',
  7: 'called AE title not recognized',
};

export const isSuccess = (status: number) => status === 0 || (status & 0xf000) === 0xb000;
export const isPending = (status: number) => status === 0xff00 || status === 0xff01;

export type Elements = Record<string, unknown>;

export function str(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(str).join('\\');
  if (typeof value === 'object' && value && 'Alphabetic' in value)
    return String((value as { Alphabetic: string }).Alphabetic);
  return String(value);
}

export const num = (value: unknown) => (str(value) === '' ? undefined : Number(str(value)));
