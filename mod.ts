/**
 * platform as a library: every verb of the CLI is a function here that
 * returns records and throws {@link PlatformError}; none of them exits the
 * process or writes to stdout, so scripts and tests call them directly.
 *
 * @module
 */
export { causeChain, EXIT_FAILURE, EXIT_USAGE, PlatformError, usageError } from "./lib/errors.ts";
export {
  assertDnsLabel,
  type DevIdentity,
  devIdentity,
  devLabels,
  devSelector,
  dnsLabelProblem,
  LABELS,
} from "./lib/identity.ts";
export {
  DEFAULTS,
  type FlagSettings,
  loadSettings,
  mergeSettings,
  type Settings,
} from "./lib/settings.ts";
export { platformYamlJsonSchema, platformYamlSchema } from "./lib/settings_schema.ts";
export { parseDotenv, updateDotenv } from "./lib/dotenv.ts";
export { parseYaml, parseYamlStream, toYaml, toYamlStream } from "./lib/yaml.ts";
export {
  type Output,
  OUTPUT_FORMATS,
  type OutputFormat,
  render,
  resolveFormat,
  valueOf,
} from "./lib/output.ts";
export { lineReporter, recordingReporter, type Reporter, silentReporter } from "./lib/progress.ts";
export { Kube } from "./lib/kube/client.ts";
export type { KubeObject, ObjectRef } from "./lib/kube/types.ts";
export {
  applyDev,
  type ApplyDevOptions,
  type ApplyDevResult,
  renderParams,
} from "./lib/dev/apply.ts";
export {
  uninstallDev,
  type UninstallDevOptions,
  type UninstallDevResult,
} from "./lib/dev/uninstall.ts";
export { type EnvironmentRow, type EnvironmentStatus, listDev, statusDev } from "./lib/dev/list.ts";
export { findEnvironments } from "./lib/dev/environments.ts";
export {
  describeResource,
  getResources,
  getResourceTypes,
  type ResourceDescription,
  type ResourceRow,
  type ResourceTypeRow,
  treeLines,
} from "./lib/resources.ts";
export { resolveTemplate, TEMPLATE_CHOICES, TEMPLATES } from "./templates/registry.ts";
export type { Rendered, RenderParams, Template } from "./templates/template.ts";
export { VERSION, versionInfo } from "./lib/version.ts";
export { setup, type SetupOptions, type StepRecord } from "./lib/setup/setup.ts";
export { destroy, type DestroyOptions } from "./lib/setup/destroy.ts";
export {
  COMPONENT_NAMES,
  COMPONENTS,
  CROSSPLANE_CONFIGURATIONS,
  INGRESS_CLASSES,
} from "./lib/setup/components.ts";
export { PROVIDER_NAMES, providerNamed, PROVIDERS } from "./providers/clusters/registry.ts";
export type {
  ClusterProvider,
  IngressAddress,
  IngressService,
  PlannedCommand,
  ProviderContext,
} from "./providers/clusters/provider.ts";
export { gc, type GcRecord, sessionStatus, startSession, stopSession } from "./lib/dev/session.ts";
export { DRIVER_NAMES, driverNamed, DRIVERS } from "./providers/sessions/registry.ts";
export type {
  RunningSession,
  SessionDriver,
  SessionStatus,
  SessionTarget,
  StatusTarget,
  StopResult,
} from "./providers/sessions/driver.ts";
export { type InitOptions, initProject, type InitRecord } from "./lib/init.ts";
export { shellInit, type ShellInitOptions } from "./lib/shell_init.ts";
export { findUp, repositoryRoot } from "./lib/project.ts";
export { serverVersion } from "./lib/version.ts";
