// Schema pieces several features' shapes are built from. Not part of the API's names: the
// barrel shared/api.ts does not re-export this file.
import { Type } from 'typebox';

export const CardType = Type.Union([Type.Literal('virtual'), Type.Literal('physical')]);

export const NullableString = Type.Union([Type.String(), Type.Null()]);
