// State of the PACS browser: saved nodes, the search and its results, the running retrieve (with
// cancel) and sending the current segmentation back. Opening goes through the studies store so that
// a retrieved series replaces the open study exactly like any other open.
import { computed, ref } from 'vue';
import type { OpenResult } from '../../../../shared/api';
import type { PacsNode, PacsSeries, PacsSettings, PacsStudy, PacsStudyQuery } from '../../../../shared/pacs';
import { api } from '../../bridge';
import { describeError } from '../../errors';
import { useSegmentationStore } from '../../stores/segmentation';
import { useStudiesStore } from '../../stores/studies';

export function usePacs() {
  const studies = useStudiesStore();
  const segmentation = useSegmentationStore();

  const settings = ref<PacsSettings | null>(null);
  const nodeName = ref('');
  const studiesFound = ref<PacsStudy[] | null>(null);
  const seriesByStudy = ref<Record<string, PacsSeries[]>>({});
  const status = ref('');
  const error = ref('');
  const searching = ref(false);
  const retrieving = ref<{ task: string; seriesUid: string } | null>(null);
  const sending = ref(false);

  const node = computed(() => settings.value?.nodes.find((n) => n.name === nodeName.value) ?? null);
  const activeSeries = computed(
    () => studies.series.find((s) => s.seriesId === studies.activeSeriesId) ?? null,
  );
  const canSend = computed(
    () => !!node.value && !!segmentation.segmentation && !!activeSeries.value?.seriesUid && !sending.value,
  );

  async function guarded<T>(work: () => Promise<T>): Promise<T | undefined> {
    error.value = '';
    try {
      return await work();
    } catch (e) {
      error.value = describeError(e);
      return undefined;
    }
  }

  function adopt(next: PacsSettings | undefined) {
    if (!next) return;
    settings.value = next;
    if (!next.nodes.some((n) => n.name === nodeName.value)) nodeName.value = next.nodes[0]?.name ?? '';
  }

  const refresh = () => guarded(async () => adopt(await api['pacs.nodes']({})));

  async function saveNode(saved: PacsNode, secret: string | undefined) {
    const next = await guarded(() => api['pacs.saveNode']({ node: saved, secret }));
    if (next) {
      adopt(next);
      nodeName.value = saved.name;
      status.value = `Saved ${saved.name}`;
    }
    return !!next;
  }

  async function deleteNode(name: string) {
    adopt(await guarded(() => api['pacs.deleteNode']({ name })));
  }

  async function setLocal(localAet: string, localPort: number) {
    adopt(await guarded(() => api['pacs.setLocal']({ localAet, localPort })));
  }

  async function echo() {
    const result = await guarded(() => api['pacs.echo']({ node: nodeName.value }));
    if (result) status.value = `${result.node} answered in ${result.milliseconds} ms`;
  }

  async function search(query: PacsStudyQuery) {
    searching.value = true;
    seriesByStudy.value = {};
    const result = await guarded(() => api['pacs.findStudies']({ node: nodeName.value, query }));
    searching.value = false;
    if (result) {
      studiesFound.value = result.studies;
      status.value = `${result.studies.length} ${result.studies.length === 1 ? 'study' : 'studies'} found`;
    }
  }

  async function listSeries(studyUid: string) {
    const result = await guarded(() => api['pacs.findSeries']({ node: nodeName.value, studyUid }));
    if (result) seriesByStudy.value = { ...seriesByStudy.value, [studyUid]: result.series };
  }

  async function retrieve(series: PacsSeries) {
    const task = `pacs-retrieve-${Date.now()}`;
    retrieving.value = { task, seriesUid: series.seriesUid };
    error.value = '';
    status.value = `Retrieving ${series.seriesDescription || series.seriesUid}…`;
    let stats = '';
    await studies.open(async (): Promise<OpenResult> => {
      const result = await api['pacs.retrieve']({
        node: nodeName.value,
        studyUid: series.studyUid,
        seriesUid: series.seriesUid,
        task,
      });
      const s = result.stats;
      stats = `Retrieved ${s.retrieved}, ${s.alreadyCached} from the cache, in ${s.seconds.toFixed(1)} s`;
      return result;
    });
    retrieving.value = null;
    status.value = stats || 'Retrieve stopped';
    // The series' cached count changed: ask again so the list says so.
    void listSeries(series.studyUid);
  }

  async function cancel() {
    if (retrieving.value) await guarded(() => api['tasks.cancel']({ task: retrieving.value!.task }));
  }

  async function send(report: boolean) {
    // What is on screen: the current version, never one shown only for comparison.
    const seg = segmentation.current();
    const source = activeSeries.value;
    if (!seg || !source) return;
    sending.value = true;
    // The schema's typed arrays are ArrayBuffer-backed; ours are too (they came over the contract).
    const result = await guarded(() =>
      api['pacs.store']({
        node: nodeName.value,
        seriesId: source.seriesId,
        segmentation: seg,
        report,
        algorithm: segmentation.algorithm(),
      }),
    );
    sending.value = false;
    if (result)
      status.value = `Sent SEG ${result.sopInstanceUid}${result.reportSopInstanceUid ? ' and its volume report' : ''} to ${result.node}`;
  }

  return {
    settings,
    nodeName,
    node,
    studiesFound,
    seriesByStudy,
    status,
    error,
    searching,
    retrieving,
    sending,
    canSend,
    refresh,
    saveNode,
    deleteNode,
    setLocal,
    echo,
    search,
    listSeries,
    retrieve,
    cancel,
    send,
  };
}
