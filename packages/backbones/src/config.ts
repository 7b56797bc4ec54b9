// `@selfsup/backbones/config`: the zod schemas of the backbone configs and `createBackbone`, which
// builds any backbone from one. Kept apart from the root entry so that a bundle which only builds a
// ViT or a Swin does not carry zod.
export { createBackbone, BACKBONE_ARCHITECTURES } from './create-backbone.js';
export {
  backboneConfigSchema,
  vitConfigSchema,
  swinConfigSchema,
  type BackboneConfig,
  type BackboneConfigInput,
  type VitConfig,
  type SwinConfig,
} from './backbone-config.js';
