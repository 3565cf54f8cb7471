/** The options of `cert-wrap status`, shared with its --check mode. */
export interface StatusArgs {
  config: string;
  cert?: string[];
  json: boolean;
  metrics?: string;
  check?: boolean;
  warning?: string;
  critical?: string;
}
