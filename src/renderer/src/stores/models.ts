// The segmentation models the main side has found (verified against their manifests, or refused with
// the reason), the one the reader chose for Segment and prompts, and adding a model folder by path.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { InstalledModelInfo } from '../../../shared/api';
import { api } from '../bridge';
import { describeError } from '../errors';
import { useStudiesStore } from './studies';

export type VerifiedModel = Extract<InstalledModelInfo, { status: 'verified' }>;

export const useModelsStore = defineStore('models', () => {
  const studies = useStudiesStore();
  const models = ref<InstalledModelInfo[]>([]);
  /** null: the main side's default model. */
  const selectedId = ref<string | null>(null);
  const loading = ref(false);
  const adding = ref(false);
  /** Why the last folder given to "Add model" was refused, shown beside the path until the next try. */
  const addRefusal = ref<string | null>(null);
  const lastAdded = ref<string | null>(null);

  const verified = computed(() => models.value.filter((m): m is VerifiedModel => m.status === 'verified'));
  /** The chosen model, else the first verified one (what the main side would pick by default). */
  const selected = computed<VerifiedModel | null>(
    () => verified.value.find((m) => m.id === selectedId.value) ?? verified.value[0] ?? null,
  );

  async function refresh() {
    loading.value = true;
    try {
      models.value = (await api['models.list']({})).models;
      if (selectedId.value && !verified.value.some((m) => m.id === selectedId.value)) selectedId.value = null;
    } catch (error) {
      studies.reportError(error);
    } finally {
      loading.value = false;
    }
  }

  async function add(path: string) {
    adding.value = true;
    addRefusal.value = null;
    lastAdded.value = null;
    try {
      const added = await api['models.add']({ path });
      lastAdded.value = added.id;
      await refresh();
      if (added.status === 'verified') selectedId.value = added.id;
    } catch (error) {
      addRefusal.value = describeError(error);
    } finally {
      adding.value = false;
    }
  }

  function select(id: string) {
    selectedId.value = id;
  }

  return {
    models,
    verified,
    selected,
    selectedId,
    loading,
    adding,
    addRefusal,
    lastAdded,
    refresh,
    add,
    select,
  };
});
