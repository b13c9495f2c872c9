/** Queries of a strategy generation, as module constants named by kind. */
import { defineQuery } from '@temporalio/workflow';
import type { GenerationProgress } from '../domain/strategy-lifecycle/generation';

/** Every answer so far, each with its validation error (or none), and the file once written. */
export const generationProgressQuery = defineQuery<GenerationProgress>('generationProgress');
