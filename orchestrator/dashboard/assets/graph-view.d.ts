/**
 * Types of graph-view.js (plain JavaScript, served to the browser as it is),
 * so that TypeScript tests can import it. Keep in step with it.
 */
import type { StackGraph } from '../../graph/stack-graph.ts';
import type { VNode } from './render.js';

export function stackGraphView(graph: StackGraph): VNode;
