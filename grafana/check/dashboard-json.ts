// The type a dashboard file is checked against: @grafana/schema's Dashboard,
// read as JSON spells it.
import type { AnnotationQuery, Dashboard, DataQuery } from '@grafana/schema';

// JSON names a member of a string enum by its value ("absolute", never
// ThresholdsMode.Absolute), which TypeScript does not take for the enum: every
// string enum of the schema becomes the union of its values. Everything else is
// checked as the schema types it (numeric enums take their numbers as they are,
// and unknown properties are still refused).
type AsJson<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends Array<infer U>
      ? Array<AsJson<U>>
      : T extends object
        ? { [K in keyof T]: AsJson<T[K]> }
        : T;

// The schema's AnnotationQuery types its query as the bare DataQuery, which has
// no room for any data source's query. A Prometheus annotation keeps its PromQL
// in target.expr (Grafana before 10: the top-level expr and step, which later
// versions move into target), and how events are titled at the top level.
export interface PrometheusAnnotationQuery extends Omit<AnnotationQuery, 'target'> {
  target?: DataQuery & { expr: string; interval?: string };
  expr?: string;
  step?: string;
  titleFormat?: string;
  textFormat?: string;
  tagKeys?: string;
  useValueForTime?: boolean;
}

export type DashboardJson = AsJson<
  Omit<Dashboard, 'annotations'> & { annotations?: { list?: PrometheusAnnotationQuery[] } }
>;
